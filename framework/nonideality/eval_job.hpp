#pragma once
// One kind's evaluation: its accuracy on the test set at each of its levels, repeated. The
// generic path (eval/evaluate.cpp) serves every kind; a kind may bring a faster one.
#include <vector>

#include "data/dataset.hpp"
#include "engine/parameters.hpp"
#include "nonideality/nonideality.hpp"

namespace ns {

struct EvalJob {
  const Parameters<float>* params{};
  const data::Dataset* test{};
  NoiseKind kind{};
  const KindSettings* settings{};
  std::vector<double> levels;
  int repetitions = 0;
  int chunk = 0;
  // Level l, repetition r draws from stream.child(l).child(r), then per layer as draw_noise.
  rng::Stream stream{0};
  std::vector<bool> acts_on;                           // per weight layer
  const std::vector<LayerCalibration>* calibration{};  // when the kind needs one
};

// accuracy[l * repetitions + r]
using KindAccuracies = std::vector<double>;

}  // namespace ns
