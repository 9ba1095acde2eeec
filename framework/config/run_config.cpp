#include "config/run_config.hpp"

#include <fmt/format.h>
#include <cmath>

#include "core/error.hpp"
#include "nonideality/registry.hpp"

namespace ns {

std::vector<double> PerLayerWeights::resolve(int count, const char* key) const {
  if (values.empty()) return {};
  if (broadcast) return std::vector<double>(count, values.front());
  if (int(values.size()) != count)
    throw Error(fmt::format("{}: {} weights given, but the model has {} such layers", key,
                            values.size(), count));
  return values;
}

RunConfig::RunConfig() {
  eval.levels = log_spaced(1e-3, 1.0, 40);
  for (std::string_view name : {"AddUnc", "AddCor", "MulUnc", "MulCor"})
    eval.kinds.push_back(find_nonideality(name));
  for (NoiseKind kind : all_nonidealities()) {
    KindSettings s;
    for (const KindParameter& p : kind->parameters) s.parameters.push_back(p.fallback);
    noise.push_back(std::move(s));
  }
}

KindSettings& RunConfig::settings_of(NoiseKind kind) {
  return noise.at(nonideality_index(kind));
}

const KindSettings& RunConfig::settings_of(NoiseKind kind) const {
  return noise.at(nonideality_index(kind));
}

std::vector<NoiseKind> RunConfig::trained_kinds() const {
  std::vector<NoiseKind> kinds;
  for (NoiseKind kind : all_nonidealities())
    if (settings_of(kind).train > 0) kinds.push_back(kind);
  return kinds;
}

std::vector<double> RunConfig::levels_of(NoiseKind kind) const {
  const KindSettings& s = settings_of(kind);
  return s.levels.empty() ? kind->default_levels(eval, s) : s.levels;
}

std::vector<double> log_spaced(double from, double to, int count) {
  std::vector<double> v(count);
  if (count == 1) return {from};
  // Base 10, so that decades land exactly: 1e-3..1 in 40 steps hits 0.01 and 0.1.
  const double a = std::log10(from), b = std::log10(to);
  for (int i = 0; i < count; ++i) v[i] = std::pow(10.0, a + (b - a) * i / (count - 1));
  v.front() = from;  // exact end points, free of rounding
  v.back() = to;
  return v;
}

const char* to_string(Activation a) {
  switch (a) {
    case Activation::Sigmoid:
      return "sigmoid";
    case Activation::Tanh:
      return "tanh";
    case Activation::Relu:
      return "relu";
    case Activation::Gelu:
      return "gelu";
    case Activation::Erf:
      return "erf";
    case Activation::PhotonicSigmoid:
      return "photonic_sigmoid";
  }
  return "?";
}

const char* to_string(NoisePlacement p) {
  return p == NoisePlacement::After ? "after" : "before";
}

const char* to_string(NoiseKind k) {
  return k ? k->name.data() : "?";
}

const char* to_string(OptimizerKind k) {
  switch (k) {
    case OptimizerKind::Sgd:
      return "sgd";
    case OptimizerKind::Adam:
      return "adam";
    case OptimizerKind::Adagrad:
      return "adagrad";
  }
  return "?";
}

}  // namespace ns
