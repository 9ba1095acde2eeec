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
enum class NoiseKind { AddUnc, AddCor, MulUnc, MulCor };
enum class OptimizerKind { Sgd, Adam, Adagrad };

inline constexpr NoiseKind kAllNoiseKinds[] = {NoiseKind::AddUnc, NoiseKind::AddCor,
                                               NoiseKind::MulUnc, NoiseKind::MulCor};

// Variance of each noise kind; all four may be active at once.
struct NoiseVariances {
  double add_unc = 0, add_cor = 0, mul_unc = 0, mul_cor = 0;
  double& operator[](NoiseKind k);
  double operator[](NoiseKind k) const;
  bool any() const { return add_unc > 0 || add_cor > 0 || mul_unc > 0 || mul_cor > 0; }
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
  bool shuffle = true;  // false keeps the reference's fixed sample order
  NoiseVariances noise;
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
  std::vector<NoiseKind> kinds = {NoiseKind::AddUnc, NoiseKind::AddCor, NoiseKind::MulUnc,
                                  NoiseKind::MulCor};
  std::vector<double> levels;  // variances; default: 40 log-spaced from 1e-3 to 1
  int repetitions = 3;
  int chunk = 2000;  // test samples per block (memory vs speed; never changes results)
};

struct RunConfig {
  std::uint64_t seed = 1;
  DataConfig data;
  ModelConfig model;
  TrainConfig train;
  RegConfig reg;
  EvalConfig eval;

  RunConfig();
};

std::vector<double> log_spaced(double from, double to, int count);

const char* to_string(Activation a);
const char* to_string(NoisePlacement p);
const char* to_string(NoiseKind k);
const char* to_string(OptimizerKind k);

}  // namespace ns
