#include "io/weights_file.hpp"

#include <cmath>
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "core/error.hpp"
#include "io/h5.hpp"
#include "io/posix_file.hpp"

namespace ns {
namespace {

// `base` is the object path of the group that holds /layers ("" for the root).
std::string layer_path(const std::string& base, std::size_t l) {
  return fmt::format("{}/layers/{}", base, l);
}

std::string base_path(const h5::Group& g) {
  return g.path() == "/" ? "" : g.path();
}

}  // namespace

void check_layer_shapes(const std::string& file, const std::string& base,
                        const std::vector<LayerWeights>& layers) {
  if (layers.empty()) throw ArchiveError(file, base + "/layers", "no layers (need at least one)");
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const LayerWeights& layer = layers[l];
    const std::string where = layer_path(base, l);
    if (layer.w.rows() == 0 || layer.w.cols() == 0) {
      throw ArchiveError(
          file, where + "/W",
          fmt::format("empty weight matrix ({} x {})", layer.w.rows(), layer.w.cols()));
    }
    if (layer.b.size() != layer.w.rows()) {
      throw ArchiveError(file, where + "/b",
                         fmt::format("bias has {} entries but W has {} rows (one per neuron)",
                                     layer.b.size(), layer.w.rows()));
    }
    if (l > 0 && layer.w.cols() != layers[l - 1].w.rows()) {
      throw ArchiveError(file, where + "/W",
                         fmt::format("W has {} columns but the previous layer has {} neurons",
                                     layer.w.cols(), layers[l - 1].w.rows()));
    }
  }
}

namespace {

std::vector<std::int64_t> layer_sizes(const std::vector<LayerWeights>& layers) {
  std::vector<std::int64_t> sizes{layers.front().w.cols()};
  for (const LayerWeights& layer : layers) sizes.push_back(layer.w.rows());
  return sizes;
}

Activation parse_activation(const h5::Group& g, const std::string& text) {
  if (const auto a = find_activation(text)) return *a;
  throw ArchiveError(g.file_path(), g.path(), fmt::format("unknown activation '{}'", text));
}

NoisePlacement parse_noise_placement(const h5::Group& g, const std::string& text) {
  if (const auto p = find_noise_placement(text)) return *p;
  throw ArchiveError(g.file_path(), g.path(), fmt::format("unknown noise_placement '{}'", text));
}

void check_format(const std::string& file, const h5::Group& root) {
  if (!root.has_attr("format")) {
    throw ArchiveError(file, "/",
                       fmt::format("not a noisesweep weights file (no 'format' attribute)"));
  }
  const std::string format = root.get_attr_string("format");
  if (format != kWeightsFormat) {
    throw ArchiveError(file, "/",
                       fmt::format("not a noisesweep weights file (format is '{}', expected '{}')",
                                   format, kWeightsFormat));
  }
  const std::int64_t version = root.get_attr_int64("format_version");
  if (version != kWeightsFormatVersion) {
    throw ArchiveError(file, "/",
                       fmt::format("unsupported format_version {} (this build reads version {})",
                                   version, kWeightsFormatVersion));
  }
}

}  // namespace

// Inverses of to_string; the candidate lists must follow the enums in config/run_config.hpp.
std::optional<Activation> find_activation(std::string_view text) {
  for (Activation a : {Activation::Sigmoid, Activation::Tanh, Activation::Relu, Activation::Gelu,
                       Activation::Erf, Activation::PhotonicSigmoid}) {
    if (text == to_string(a)) return a;
  }
  return std::nullopt;
}

std::optional<NoisePlacement> find_noise_placement(std::string_view text) {
  for (NoisePlacement p : {NoisePlacement::After, NoisePlacement::Before}) {
    if (text == to_string(p)) return p;
  }
  return std::nullopt;
}

void write_model_weights(h5::Group& g, const ModelWeights& m) {
  check_layer_shapes(g.file_path(), base_path(g), m.layers);
  g.set_attr("activation", to_string(m.activation));
  g.set_attr("noise_placement", to_string(m.noise_placement));
  g.set_attr("layer_sizes", layer_sizes(m.layers));
  g.set_attr("settings", m.settings_text);
  h5::Group layers = g.create_group("layers");
  for (std::size_t l = 0; l < m.layers.size(); ++l) {
    h5::Group layer = layers.create_group(std::to_string(l));
    layer.write("W", m.layers[l].w);
    layer.write("b", m.layers[l].b);
  }
}

ModelWeights read_model_weights(const h5::Group& g) {
  const std::string& path = g.file_path();
  ModelWeights m;
  m.activation = parse_activation(g, g.get_attr_string("activation"));
  m.noise_placement = parse_noise_placement(g, g.get_attr_string("noise_placement"));
  m.settings_text = g.get_attr_string("settings");

  const h5::Group layers = g.group("layers");
  const std::size_t count = layers.children().size();
  for (std::size_t l = 0; l < count; ++l) {
    // Opened by index, not by listing order: names sort as text ("10" before "2").
    const h5::Group layer = layers.group(std::to_string(l));
    LayerWeights& weights = m.layers.emplace_back();
    layer.read("W", weights.w);
    layer.read("b", weights.b);
  }
  check_layer_shapes(path, base_path(g), m.layers);

  const std::vector<std::int64_t> declared = g.get_attr_int64s("layer_sizes");
  if (declared != layer_sizes(m.layers)) {
    throw ArchiveError(
        path, g.path(),
        fmt::format("attribute 'layer_sizes' [{}] disagrees with the stored "
                    "matrices [{}]",
                    fmt::join(declared, ", "), fmt::join(layer_sizes(m.layers), ", ")));
  }
  return m;
}

void save_weights(const std::string& path, const ModelWeights& m) {
  check_layer_shapes(path, "", m.layers);  // before creating the file: a refused save leaves none
  posix::write_file_atomically(path, h5::build_image(path, [&](h5::Group& root) {
                                 root.set_attr("format", kWeightsFormat);
                                 root.set_attr("format_version", kWeightsFormatVersion);
                                 write_model_weights(root, m);
                               }));
}

ModelWeights load_weights(const std::string& path) {
  const h5::File file = h5::File::open_read(path);
  const h5::Group root = file.root();
  check_format(path, root);
  ModelWeights m = read_model_weights(root);
  // A NaN or infinity would surface later as "diverged at epoch 1", far from its cause.
  const auto check_finite = [&](std::size_t l, const char* name, const float* values,
                                Eigen::Index count) {
    for (Eigen::Index i = 0; i < count; ++i)
      if (!std::isfinite(values[i]))
        throw ArchiveError(path, fmt::format("/layers/{}/{}", l, name),
                           fmt::format("holds a non-finite value ({}) at flat index {}: these "
                                       "weights cannot start a run",
                                       values[i], i));
  };
  for (std::size_t l = 0; l < m.layers.size(); ++l) {
    check_finite(l, "W", m.layers[l].w.data(), m.layers[l].w.size());
    check_finite(l, "b", m.layers[l].b.data(), m.layers[l].b.size());
  }
  return m;
}

}  // namespace ns
