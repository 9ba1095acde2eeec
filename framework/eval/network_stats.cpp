#include "eval/network_stats.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"
#include "engine/network.hpp"

namespace ns {
namespace {

// Runs `compute`, naming `what` in front of any Error it throws: a histogram alone cannot say
// which layer its data came from.
template <class Compute>
auto in_context(const std::string& what, Compute&& compute) {
  try {
    return compute();
  } catch (const Error& e) {
    throw Error(fmt::format("statistics of {}: {}", what, e.what()));
  }
}

template <class Matrix>
Histogram histogram_of(const Matrix& m, const std::string& what) {
  return in_context(what, [&] { return histogram(m.data(), m.size()); });
}

LayerStats layer_stats(const Parameters<float>& p, int l) {
  // In float64: a float sum over 784 weights would lose the small row sums that the row-sum
  // regulariser drives towards zero.
  const Eigen::MatrixXd w = p.w(l).cast<double>();
  const Eigen::VectorXd mean = w.rowwise().mean();
  const Eigen::VectorXd variance = (w.colwise() - mean).array().square().rowwise().mean();
  LayerStats s;
  s.row_mean.assign(mean.data(), mean.data() + mean.size());
  s.row_std.resize(s.row_mean.size());
  for (std::size_t i = 0; i < s.row_std.size(); ++i) s.row_std[i] = std::sqrt(variance[Index(i)]);
  s.weights = histogram_of(p.w(l), fmt::format("layer {}'s weights", l));
  s.biases = histogram_of(p.b(l), fmt::format("layer {}'s biases", l));
  return s;
}

// Clean forward passes over the test set, one block of `chunk` samples at a time; calls
// visit(h, z_h, x_h) for every hidden layer h of every block.
class BlockPasses {
 public:
  BlockPasses(const Parameters<float>& p, const data::Dataset& test, int chunk)
      : p_(p), test_(test), chunk_(chunk) {}

  template <class Visit>
  void run(Visit&& visit) {
    for (Index start = 0; start < test_.size(); start += chunk_) {
      const Index m = std::min<Index>(chunk_, test_.size() - start);
      x_ = test_.x.middleCols(start, m);
      forward<float>(p_, x_, nullptr, ws_);
      // With no noise, act_in[h] is z_h whatever the noise placement.
      for (int h = 0; h < p_.arch().hidden_layers(); ++h)
        visit(h, ws_.act_in[h], h == 0 ? x_ : ws_.out[h - 1]);
    }
  }

 private:
  const Parameters<float>& p_;
  const data::Dataset& test_;
  const int chunk_;
  Mat<float> x_;
  Workspace<float> ws_;
};

std::string preactivation_name(int h) {
  return fmt::format("hidden layer {}'s pre-activations on the test set", h);
}

std::string input_name(int h) {
  return fmt::format("hidden layer {}'s inputs on the test set", h);
}

std::vector<HiddenStats> hidden_stats(const Parameters<float>& p, const data::Dataset& test,
                                      int chunk) {
  const int hidden = p.arch().hidden_layers();
  BlockPasses passes(p, test, chunk);
  // Two passes rather than keeping every block: the bins need the range of the whole test set.
  std::vector<ValueRange> z_range(hidden), x_range(hidden);
  passes.run([&](int h, const Mat<float>& z, const Mat<float>& x) {
    in_context(preactivation_name(h), [&] { z_range[h].include(z.data(), z.size()); });
    in_context(input_name(h), [&] { x_range[h].include(x.data(), x.size()); });
  });
  std::vector<HiddenStats> stats(hidden);
  for (int h = 0; h < hidden; ++h) {
    stats[h].preactivation = empty_histogram(z_range[h]);
    stats[h].input = empty_histogram(x_range[h]);
  }
  passes.run([&](int h, const Mat<float>& z, const Mat<float>& x) {
    in_context(preactivation_name(h),
               [&] { add_to_histogram(stats[h].preactivation, z.data(), z.size()); });
    in_context(input_name(h), [&] { add_to_histogram(stats[h].input, x.data(), x.size()); });
  });
  return stats;
}

}  // namespace

NetworkStats network_stats(const Parameters<float>& p, const data::Dataset& test, int chunk) {
  const Architecture& arch = p.arch();
  if (chunk < 1)
    throw Error(fmt::format("network statistics: the block size must be >= 1, not {}", chunk));
  if (test.features() != arch.inputs()) {
    throw Error(fmt::format("network statistics: the test set has {} features, the network {}",
                            test.features(), arch.inputs()));
  }
  NetworkStats s;
  for (int l = 0; l < arch.layers(); ++l) s.layers.push_back(layer_stats(p, l));
  s.hidden = hidden_stats(p, test, chunk);
  return s;
}

std::string network_stats_problem(const NetworkStats& s) {
  if (s.empty()) return "";
  if (s.hidden.size() + 1 != s.layers.size())
    return fmt::format("{} hidden layers for {} layers", s.hidden.size(), s.layers.size());
  const auto check = [](const Histogram& h, const std::string& what) {
    const std::string problem = histogram_problem(h);
    return problem.empty() ? problem : fmt::format("{}: {}", what, problem);
  };
  for (std::size_t l = 0; l < s.layers.size(); ++l) {
    const LayerStats& layer = s.layers[l];
    if (layer.row_mean.size() != layer.row_std.size()) {
      return fmt::format("layer {}: {} row means but {} row stds", l, layer.row_mean.size(),
                         layer.row_std.size());
    }
    for (const std::string& problem :
         {check(layer.weights, fmt::format("layer {}'s weight histogram", l)),
          check(layer.biases, fmt::format("layer {}'s bias histogram", l))})
      if (!problem.empty()) return problem;
  }
  for (std::size_t h = 0; h < s.hidden.size(); ++h) {
    for (const std::string& problem :
         {check(s.hidden[h].preactivation,
                fmt::format("hidden layer {}'s pre-activation histogram", h)),
          check(s.hidden[h].input, fmt::format("hidden layer {}'s input histogram", h))})
      if (!problem.empty()) return problem;
  }
  return "";
}

}  // namespace ns
