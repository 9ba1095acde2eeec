#pragma once
// Every setting of one training run, fully resolved. Defaults are the reference's baseline
// (METHOD.md section 2). A run file (TOML) or a study task overrides them key by key; see
// config/settings.cpp for the list of keys, their types and their checks.
#include <cstdint>
#include <string>
#include <vector>

namespace ns {

enum class Activation { Sigmoid, Tanh, Relu, Gelu, Erf, PhotonicSigmoid };
enum class NoisePlacement { After, Before };  // noise on the activation output, or its input
enum class OptimizerKind { Sgd, Adam, Adagrad };

// A hardware nonideality (noise kind), one of the registry's (nonideality/registry.hpp).
struct Nonideality;
using NoiseKind = const Nonideality*;

// The settings of one nonideality: its training strength, its evaluation levels, the layers it
// acts on and its own parameters (noise.KIND.*).
struct KindSettings {
  double train = 0;                // strength in noise-aware training; 0: off
  std::vector<double> levels;      // evaluation levels; empty: the kind's default
  std::vector<int> layers;         // 1-based weight layers; empty: every layer it can act on
  std::vector<double> parameters;  // in the order the kind declares them
  bool operator==(const KindSettings&) const = default;
};

struct DataConfig {
  std::string name = "mnist";  // mnist | fashion | synthetic | idx
  std::string dir = "data";    // mnist and fashion live in DIR/NAME/, "idx" reads DIR itself
  double validation_fraction = 0.2;
  // Standardisation; NaN means "the dataset's own" (METHOD.md constants, or computed).
  double mean = 0.0 / 0.0, std = 0.0 / 0.0;
  int limit_train = 0;  // use only the first N training images (0: all); for quick runs
  int limit_test = 0;
  // Output units; every label must lie below it. 0: the data set's own (10 for mnist and
  // fashion, synthetic_classes), and for idx, whose files do not record it, an error.
  int classes = 0;
  // synthetic only
  int synthetic_samples = 3000, synthetic_features = 20, synthetic_classes = 4;
  double synthetic_separation = 3.0;
};

struct ModelConfig {
  std::vector<int> hidden = {300, 300};
  Activation activation = Activation::Sigmoid;
  NoisePlacement noise_placement = NoisePlacement::After;
};

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::Adagrad;
  double lr = 0.01;
  double momentum = 0.0;                               // SGD
  double beta1 = 0.9, beta2 = 0.999, eps_adam = 1e-8;  // Adam
  double eps_adagrad = 1e-10;                          // Adagrad
};

struct TrainConfig {
  OptimizerConfig optimizer;
  int epochs = 70;
  int batch_size = 128;
  bool shuffle = true;    // false keeps the reference's fixed sample order
  std::string init_from;  // weights file to start from ("" = fresh init)
};

// Weights of a term that has one weight per layer: a list with one entry per layer, or one
// number for all of them (the run file may give either).
struct PerLayerWeights {
  std::vector<double> values;  // empty = off
  bool broadcast = false;      // one value given for every layer
  // The weights for `count` layers; throws if an explicit list has another length.
  std::vector<double> resolve(int count, const char* key) const;
  bool operator==(const PerLayerWeights&) const = default;
};

// Loss = CE + lambda * (sum of the weighted terms). A weight of 0 switches its term off.
struct RegConfig {
  double lambda = 1.0;
  // One weight per receiving layer (hidden 2..L, then output).
  PerLayerWeights rowsum;
  // Mean over the batch of sum over neurons of |f'(z)|, on the listed hidden layers (1-based).
  double saturation = 0.0;
  std::vector<int> saturation_layers;  // empty = every receiving hidden layer (2..L)
  PerLayerWeights l2_hidden;           // one weight per receiving hidden layer (2..L)
  double l2_output = 0.0;
};

struct EvalConfig {
  std::vector<NoiseKind> kinds;  // default: the paper's AddUnc, AddCor, MulUnc, MulCor
  std::vector<double> levels;    // the paper's kinds' variances; default: 40 from 1e-3 to 1
  int repetitions = 3;
  // Test samples per block (memory vs speed; never changes results). 500 keeps the fast noisy
  // path's blocks in cache: 0.94x the time of 2000 (tests/perf/eval_block_size.sh).
  int chunk = 500;
};

struct RunConfig {
  std::uint64_t seed = 1;
  DataConfig data;
  ModelConfig model;
  TrainConfig train;
  RegConfig reg;
  EvalConfig eval;
  std::vector<KindSettings> noise;  // one per registered nonideality, in registry order

  RunConfig();
  KindSettings& settings_of(NoiseKind kind);
  const KindSettings& settings_of(NoiseKind kind) const;
  // The kinds with a training strength > 0, in registry order.
  std::vector<NoiseKind> trained_kinds() const;
  // A kind's evaluation levels: its own, or its default.
  std::vector<double> levels_of(NoiseKind kind) const;
};

std::vector<double> log_spaced(double from, double to, int count);

const char* to_string(Activation a);
const char* to_string(NoisePlacement p);
const char* to_string(NoiseKind k);  // the kind's name
const char* to_string(OptimizerKind k);

}  // namespace ns
