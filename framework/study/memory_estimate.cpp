#include "study/memory_estimate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "nonideality/registry.hpp"

namespace ns {

namespace {

// The network's layer sizes (inputs, hidden widths, classes) and what the buffers depend on.
struct Shape {
  std::vector<long long> sizes;
  double hidden_sum = 0;  // sum of the hidden widths
  double max_width = 0;   // widest layer output (hidden or classes): the backward scratch
  double largest = 0;     // in x out of the largest weight matrix
  double parameters = 0;

  double inputs() const { return double(sizes.front()); }
  double classes() const { return double(sizes.back()); }
  std::string text() const { return fmt::format("{}", fmt::join(sizes, "-")); }
};

Shape network(const RunConfig& cfg, const DataShape& data) {
  Shape s;
  s.sizes.push_back(data.inputs);
  for (int h : cfg.model.hidden) s.sizes.push_back(h);
  s.sizes.push_back(data.classes);
  for (std::size_t l = 0; l + 1 < s.sizes.size(); ++l) {
    const double in = double(s.sizes[l]), out = double(s.sizes[l + 1]);
    s.parameters += in * out + out;
    s.largest = std::max(s.largest, in * out);
    s.max_width = std::max(s.max_width, out);
  }
  for (int h : cfg.model.hidden) s.hidden_sum += h;
  return s;
}

// Of two settings that multiply into one size, the one further above its default: the one the
// user most likely mistyped.
std::string grown_more(const std::string& a, double a_value, double a_default, const std::string& b,
                       double b_value, double b_default) {
  return b_value / b_default > a_value / a_default ? b : a;
}

// A block of samples through the network: its size grows with the block and the widths.
std::string block_key(const char* key, double block, double block_default, const Shape& net) {
  const std::vector<int> widths = RunConfig{}.model.hidden;
  const double default_width = *std::max_element(widths.begin(), widths.end());
  return grown_more(key, block, block_default, "model.hidden", net.max_width, default_width);
}

std::string data_key(const DataConfig& d) {
  const DataConfig defaults;
  if (d.name != "synthetic") return "data.dir";
  return grown_more("data.synthetic.samples", d.synthetic_samples, defaults.synthetic_samples,
                    "data.synthetic.features", d.synthetic_features, defaults.synthetic_features);
}

// The test set of the data set at its default size: MNIST's 10000 test images, or the
// synthetic data's default samples / 6.
double default_test_samples(const DataConfig& d) {
  return d.name == "synthetic" ? DataConfig{}.synthetic_samples / 6 : 10000;
}

// The default network's first one or two hidden widths.
double first_default_width(bool two) {
  const std::vector<int> hidden = RunConfig{}.model.hidden;
  return double(hidden[0]) + (two && hidden.size() > 1 ? hidden[1] : 0);
}

double samples_held(const DataShape& d) {
  return double(d.train + d.validation + d.test);
}

// A block of `count` samples through the clean network: the inputs' copy, every layer's
// pre-activation and output.
double clean_block_values(const Shape& net, double count) {
  return count * (net.inputs() + 2 * net.hidden_sum + net.classes());
}

bool any_correlated(const EvalConfig& e) {
  return std::any_of(e.kinds.begin(), e.kinds.end(),
                     [](NoiseKind k) { return k->name == "AddCor" || k->name == "MulCor"; });
}

}  // namespace

std::string noise_grid_key(const EvalConfig& e) {
  const EvalConfig defaults = RunConfig{}.eval;
  return grown_more("eval.levels", double(e.levels.size()), double(defaults.levels.size()),
                    "eval.repetitions", e.repetitions, defaults.repetitions);
}

double MemoryEstimate::total() const {
  return std::accumulate(terms.begin(), terms.end(), 0.0,
                         [](double sum, const MemoryTerm& t) { return sum + t.bytes; });
}

const MemoryTerm& MemoryEstimate::largest() const {
  if (terms.empty()) throw Error("memory estimate: no terms");
  return *std::max_element(
      terms.begin(), terms.end(),
      [](const MemoryTerm& a, const MemoryTerm& b) { return a.bytes < b.bytes; });
}

int training_parameter_copies(const OptimizerConfig& optimizer) {
  switch (optimizer.kind) {
    case OptimizerKind::Adagrad:
      return 3;
    case OptimizerKind::Adam:
      return 4;
    case OptimizerKind::Sgd:
      return optimizer.momentum != 0 ? 3 : 2;
  }
  throw Error("unknown optimizer");
}

double parameter_count(const RunConfig& cfg, const DataShape& shape) {
  return network(cfg, shape).parameters;
}

std::vector<MemoryEstimate> run_memory_phases(const RunConfig& cfg, const DataShape& data,
                                              bool with_stats) {
  const Shape net = network(cfg, data);
  const double sample_bytes = net.inputs() * kFloatBytes + kIntBytes;  // features and label
  const std::string samples_text =
      fmt::format("{} samples of {} features", data.loaded, net.inputs());

  // The data after loading: the three sets, and the training order with its reshuffle.
  const MemoryTerm held{fmt::format("the data set ({} held)", samples_text), data_key(cfg.data),
                        samples_held(data) * sample_bytes + 2 * kIntBytes * double(data.train)};
  const auto parameters = [&](int copies, const char* which) {
    return MemoryTerm{fmt::format("{} of the {} network ({:.3g} parameters x {} copies)", which,
                                  net.text(), net.parameters, copies),
                      "model.hidden", net.parameters * kFloatBytes * copies};
  };

  MemoryEstimate loading{"loading", {}};
  // The pools as read or generated, and the split's copies of them; IDX files pass through a
  // byte buffer of their pixels.
  const bool idx = cfg.data.name != "synthetic";
  loading.terms.push_back(
      {fmt::format("the data set while loading ({})", samples_text), data_key(cfg.data),
       2 * double(data.loaded) * sample_bytes + (idx ? double(data.loaded) * net.inputs() : 0)});
  if (!idx) {
    // Class centres: Gaussian draws in float64, the unit directions and the scaled centres.
    const DataConfig defaults;
    loading.terms.push_back({fmt::format("the synthetic class centres ({} classes x {} features)",
                                         net.classes(), net.inputs()),
                             grown_more("data.synthetic.classes", cfg.data.synthetic_classes,
                                        defaults.synthetic_classes, "data.synthetic.features",
                                        cfg.data.synthetic_features, defaults.synthetic_features),
                             net.inputs() * net.classes() * (kDoubleBytes + 2 * kFloatBytes)});
  }

  MemoryEstimate training{"training", {held}};
  training.terms.push_back(parameters(training_parameter_copies(cfg.train.optimizer),
                                      "weights, gradient and optimiser state"));
  const double batch = double(std::min<long>(cfg.train.batch_size, std::max(data.train, 1L)));
  // Forward: the batch, each hidden layer's pre-activation and output, the logits; backward:
  // the softmax and four scratch buffers of the widest layer; noise-aware training: two draws
  // per hidden value.
  const double batch_values =
      batch * (net.inputs() + 2 * net.hidden_sum + 2 * net.classes() + 4 * net.max_width +
               (cfg.trained_kinds().empty() ? 0 : 2 * net.hidden_sum));
  const RunConfig defaults;
  training.terms.push_back(
      {fmt::format("the activations of a batch of {} samples through the {} network", batch,
                   net.text()),
       block_key("train.batch_size", batch, defaults.train.batch_size, net),
       batch_values * kFloatBytes});
  const double validation_block = double(std::min<long>(cfg.eval.chunk, data.validation));
  training.terms.push_back({fmt::format("a validation block of {} samples through the {} network",
                                        validation_block, net.text()),
                            block_key("eval.chunk", validation_block, defaults.eval.chunk, net),
                            clean_block_values(net, validation_block) * kFloatBytes});
  // The learning curve: six numbers per epoch, kept and copied into the record.
  training.terms.push_back({fmt::format("the learning curve of {} epochs", cfg.train.epochs),
                            "train.epochs", 2 * 6 * kDoubleBytes * cfg.train.epochs});

  // The accuracies, their copy in the record and its encoding.
  double levels = 0;  // over all kinds
  for (NoiseKind kind : cfg.eval.kinds) levels += double(cfg.levels_of(kind).size());
  const MemoryTerm accuracies{
      fmt::format("the noise accuracies ({} kinds, {} levels in all, x {} repetitions)",
                  cfg.eval.kinds.size(), levels, cfg.eval.repetitions),
      noise_grid_key(cfg.eval), 3 * kDoubleBytes * levels * cfg.eval.repetitions};

  MemoryEstimate evaluating{"evaluating", {held, parameters(1, "the weights"), accuracies}};
  // The first hidden layer's output over the whole test set, computed once for every noisy
  // pass; with noise after the activation and a correlated kind, the next layer's as well.
  const bool after = cfg.model.noise_placement == NoisePlacement::After;
  const double next =
      after && any_correlated(cfg.eval) && net.sizes.size() > 2 ? double(net.sizes[2]) : 0;
  const double first_width = double(net.sizes[1]) + next;
  evaluating.terms.push_back(
      {fmt::format("the first layer's output over the {} test samples", data.test),
       grown_more("model.hidden", first_width, first_default_width(next > 0), data_key(cfg.data),
                  double(data.test), default_test_samples(cfg.data)),
       first_width * double(data.test) * kFloatBytes});
  const double test_block = double(std::min<long>(cfg.eval.chunk, data.test));
  const std::string test_block_key = block_key("eval.chunk", test_block, defaults.eval.chunk, net);
  evaluating.terms.push_back(
      {fmt::format("a test block of {} samples through the {} network", test_block, net.text()),
       test_block_key,
       (clean_block_values(net, test_block) + 3 * test_block * net.max_width) * kFloatBytes});

  std::vector<MemoryEstimate> phases{loading, training, evaluating};
  if (with_stats) {
    MemoryEstimate statistics{"statistics", {held, parameters(1, "the weights"), accuracies}};
    // Row statistics take each matrix in float64 (their mean and variance need no more).
    statistics.terms.push_back({"the largest weight matrix in float64 (row statistics)",
                                "model.hidden", net.largest * kDoubleBytes});
    statistics.terms.push_back(
        {fmt::format("a test block of {} samples through the {} network", test_block, net.text()),
         test_block_key, clean_block_values(net, test_block) * kFloatBytes});
    phases.push_back(statistics);
  }
  phases.push_back(
      {"handing on",
       {parameters(kHandedOnParameterCopies, "the weights and their copies"), accuracies}});
  return phases;
}

MemoryEstimate estimate_run_memory(const RunConfig& cfg, const DataShape& shape, bool with_stats) {
  std::vector<MemoryEstimate> phases = run_memory_phases(cfg, shape, with_stats);
  return *std::max_element(
      phases.begin(), phases.end(),
      [](const MemoryEstimate& a, const MemoryEstimate& b) { return a.total() < b.total(); });
}

std::string bytes_text(double bytes) {
  constexpr const char* kUnits[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
  int unit = 0;
  while (bytes >= 1000 && unit < 6) bytes /= 1000, ++unit;
  return fmt::format("{:.3g} {}", bytes, kUnits[unit]);
}

}  // namespace ns
