#include "config/run_config.hpp"

#include <fmt/format.h>
#include <cmath>

#include "core/error.hpp"

namespace ns {

double& NoiseVariances::operator[](NoiseKind k) {
  switch (k) {
    case NoiseKind::AddUnc:
      return add_unc;
    case NoiseKind::AddCor:
      return add_cor;
    case NoiseKind::MulUnc:
      return mul_unc;
    case NoiseKind::MulCor:
      return mul_cor;
  }
  throw Error("unknown noise kind");
}

double NoiseVariances::operator[](NoiseKind k) const {
  return const_cast<NoiseVariances&>(*this)[k];
}

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
  switch (k) {
    case NoiseKind::AddUnc:
      return "AddUnc";
    case NoiseKind::AddCor:
      return "AddCor";
    case NoiseKind::MulUnc:
      return "MulUnc";
    case NoiseKind::MulCor:
      return "MulCor";
  }
  return "?";
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
