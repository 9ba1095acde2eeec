#pragma once
// Evaluation: clean accuracy, and accuracy under each nonideality alone at each of its levels,
// repeated over the whole test set (METHOD.md section 1's protocol, for every registered kind).
#include <string>
#include <vector>

#include "config/run_config.hpp"
#include "data/dataset.hpp"
#include "engine/parameters.hpp"

namespace ns {

double clean_accuracy(const Parameters<float>& p, const data::Dataset& set, int chunk);

// Each kind has its own levels. accuracy holds the kinds one after another, each level-major:
// kind k, level l, repetition r is accuracy[offset(k) + l * repetitions + r].
struct NoiseCurves {
  std::vector<NoiseKind> kinds;
  std::vector<std::vector<double>> levels;  // per kind
  int repetitions = 0;
  std::vector<double> accuracy;

  std::size_t offset(int k) const;
  double at(int k, int l, int r) const {
    return accuracy[offset(k) + std::size_t(l) * repetitions + r];
  }
  double mean(int k, int l) const;
  double std(int k, int l) const;  // sample std over repetitions (0 for one repetition)
  // Whether every kind has the same levels (archives then store them once, as before kinds had
  // levels of their own).
  bool levels_shared() const;
  // What is wrong with the shape ("" if nothing): negative repetitions, levels not one list per
  // kind, or not one accuracy per level x repetition. Every reader and writer checks this.
  std::string problem() const;
};

enum class EvalPath {
  Fast,   // each kind's fastest exact path
  Naive,  // plain forward passes with each kind's reference draws: the oracle for Fast
};

// Kind k at level l, repetition r draws from stream.child(KIND).child(l).child(r), then per
// layer as draw_noise (engine/noise.hpp).
NoiseCurves evaluate_noise(const Parameters<float>& p, const data::Dataset& test,
                           const RunConfig& cfg, const rng::Stream& stream,
                           EvalPath path = EvalPath::Fast);

}  // namespace ns
