#pragma once
// What the analysis plots need from a trained network, computed once when its run ends and
// stored with its results, so that plotting never re-runs a model: per-layer weight statistics
// and histograms, and histograms of each hidden layer's pre-activations and inputs over the
// clean test set.
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "engine/parameters.hpp"
#include "eval/histogram.hpp"

namespace ns {

// Layer l of L (output layer included), W_l out x in.
struct LayerStats {
  // Over row i of W_l, the weights into neuron i: row_mean[i] * in is the row sum; row_std is
  // the population std (divides by in: the row is the whole population, not a sample).
  std::vector<double> row_mean, row_std;
  Histogram weights;  // every entry of W_l
  Histogram biases;   // every entry of b_l
};

// Hidden layer h of L - 1, over the whole test set with no noise.
struct HiddenStats {
  Histogram preactivation;  // z_h = W_h x_h + b_h
  Histogram input;          // x_h: the standardised pixels for h = 0, else f(z_{h-1})
};

struct NetworkStats {
  std::vector<LayerStats> layers;   // every layer, in order
  std::vector<HiddenStats> hidden;  // every hidden layer, in order: layers.size() - 1 of them

  bool empty() const { return layers.empty() && hidden.empty(); }
};

// Histograms have kHistogramBins bins. The test set goes through the network in blocks of
// `chunk` samples, twice (value ranges, then counts), so memory stays at one block's
// activations. Throws Error, naming the layer, for a bad chunk size, a test set of the wrong
// width, or non-finite weights or activations.
NetworkStats network_stats(const Parameters<float>& p, const data::Dataset& test, int chunk);

// "" for statistics whose shape is consistent (every histogram well formed, as many row_std as
// row_mean, one hidden layer fewer than layers, or nothing at all), otherwise what is wrong.
std::string network_stats_problem(const NetworkStats& s);

}  // namespace ns
