#pragma once
// Trained weights of one MLP in an HDF5 file that h5py and h5dump read directly.
//
// Layout (format_version 1):
//   /                 attrs: format = "noisesweep-weights", format_version = 1,
//                            activation (e.g. "sigmoid"), noise_placement ("after"/"before"),
//                            layer_sizes = [in, h1, ..., out] (int64), settings (run settings text)
//   /layers/<l>/W     float32, shape (out_l, in_l), row i = weights into neuron i
//   /layers/<l>/b     float32, shape (out_l)
// Layers are numbered 0, 1, ... from the input side. The archive stores the same layout (all
// but the format attributes) under /tasks/<id>/weights, through write/read_model_weights.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "config/run_config.hpp"

namespace ns {

namespace h5 {
class Group;
}

struct LayerWeights {
  Eigen::MatrixXf w;  // (out x in): row i holds the weights INTO neuron i
  Eigen::VectorXf b;  // (out)
};

struct ModelWeights {
  std::vector<LayerWeights> layers;
  Activation activation = Activation::Sigmoid;
  NoisePlacement noise_placement = NoisePlacement::After;
  std::string settings_text;  // the run settings that produced these weights, for provenance
};

inline constexpr const char* kWeightsFormat = "noisesweep-weights";
inline constexpr int kWeightsFormatVersion = 1;

// Both throw ArchiveError naming the file and the offending object. Shapes are checked on
// save as well as on load, so a file that saves is a file that loads.
void save_weights(const std::string& path, const ModelWeights& m);
ModelWeights load_weights(const std::string& path);

// The model's attributes (activation, noise_placement, layer_sizes, settings) and its layers
// below `g`, without the format attributes. Errors name g's file and the object inside g.
void write_model_weights(h5::Group& g, const ModelWeights& m);
ModelWeights read_model_weights(const h5::Group& g);

// The inverses of to_string(Activation) and to_string(NoisePlacement); nullopt for other text.
std::optional<Activation> find_activation(std::string_view text);
std::optional<NoisePlacement> find_noise_placement(std::string_view text);

// Throws ArchiveError naming `file` and `object` for layers whose shapes do not chain (a
// layer's inputs are the previous layer's outputs; b has one entry per row of W).
void check_layer_shapes(const std::string& file, const std::string& object,
                        const std::vector<LayerWeights>& layers);

}  // namespace ns
