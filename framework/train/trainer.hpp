#pragma once
// The training loop: shuffled (or fixed-order) mini-batches, optional noise-aware training,
// the regularised loss, one optimiser step per batch, and a validation pass per epoch.
#include <functional>
#include <vector>

#include "config/run_config.hpp"
#include "data/load.hpp"
#include "engine/parameters.hpp"

namespace ns {

struct EpochStats {
  int epoch = 0;                   // 1-based
  double loss = 0;                 // mean regularised loss over the epoch's batches
  double cross_entropy = 0;        // its cross-entropy part
  double train_accuracy = 0;       // on the epoch's batches, as they were trained on
  double validation_accuracy = 0;  // clean, after the epoch (NaN without a validation set)
  double seconds = 0;
};

using EpochCallback = std::function<void(const EpochStats&)>;

// Trains `params` in place. Throws DivergenceError when the loss stops being finite.
// Randomness: shuffle from stream.child("shuffle"), training noise from stream.child("noise").
std::vector<EpochStats> train(Parameters<float>& params, const RunConfig& cfg,
                              const data::DataSplits& data, const rng::Stream& stream,
                              const EpochCallback& on_epoch = {});

}  // namespace ns
