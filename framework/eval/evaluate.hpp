#pragma once
// Evaluation: clean accuracy, and accuracy under each hardware-noise kind alone at a list of
// variances, repeated over the whole test set (METHOD.md section 1's protocol).
#include <string>
#include <vector>

#include "config/run_config.hpp"
#include "data/dataset.hpp"
#include "engine/parameters.hpp"

namespace ns {

double clean_accuracy(const Parameters<float>& p, const data::Dataset& set, int chunk);

// accuracy[(k * levels + l) * repetitions + r] for kind k, level l, repetition r.
struct NoiseCurves {
  std::vector<NoiseKind> kinds;
  std::vector<double> levels;
  int repetitions = 0;
  std::vector<double> accuracy;

  double at(int k, int l, int r) const {
    return accuracy[(std::size_t(k) * levels.size() + l) * repetitions + r];
  }
  double mean(int k, int l) const;
  double std(int k, int l) const;  // sample std over repetitions (0 for one repetition)
  // What is wrong with the shape ("" if nothing): negative repetitions, or not one accuracy per
  // kind x level x repetition. Every reader and writer of curves checks this before at().
  std::string problem() const;
};

// The fast path: the clean first layer is computed once, and correlated noise on the first
// hidden layer's output is a rank-one update of the second layer's pre-activation.
// Draws: stream.child(kind).child(level).child(repetition).child(hidden layer).
NoiseCurves evaluate_noise(const Parameters<float>& p, const data::Dataset& test,
                           const EvalConfig& cfg, const rng::Stream& stream);

// The same draws through a plain full forward pass per block: the oracle for the fast path.
NoiseCurves evaluate_noise_naive(const Parameters<float>& p, const data::Dataset& test,
                                 const EvalConfig& cfg, const rng::Stream& stream);

}  // namespace ns
