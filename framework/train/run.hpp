#pragma once
// One complete run: load data, build or load the model, train, evaluate clean and under noise.
// The CLI's `train` command and each task of a sweep are exactly this.
#include <functional>
#include <string>
#include <vector>

#include "config/run_config.hpp"
#include "data/load.hpp"
#include "eval/evaluate.hpp"
#include "eval/network_stats.hpp"
#include "io/weights_file.hpp"
#include "train/trainer.hpp"

namespace ns {

struct RunResult {
  Parameters<float> params;
  std::vector<EpochStats> curve;
  double clean_test_accuracy = 0;
  NoiseCurves noise;
  NetworkStats stats;  // of the final parameters, on the clean test set
  float data_mean = 0, data_std = 1;
  int train_samples = 0, validation_samples = 0, test_samples = 0;
  double train_seconds = 0, eval_seconds = 0;
};

struct RunObserver {
  std::function<void(const std::string&)> phase;  // "loading data", "training", ...
  EpochCallback epoch;  // may throw (e.g. Cancelled) to abandon the run between epochs
  // After the evaluation: the final parameters and the standardised data they were tested on
  // (`eval --logits` writes the clean logits of the test set from them).
  std::function<void(const Parameters<float>&, const data::DataSplits&)> tested;
};

// Runs `cfg`. `initial` (when given) replaces both a fresh init and cfg.train.init_from: a sweep
// passes a parent task's weights in memory.
// `with_stats`: also compute the network statistics (weights' row statistics and histograms).
RunResult execute_run(const RunConfig& cfg, const RunObserver& observer = {},
                      const ModelWeights* initial = nullptr, bool with_stats = true);

// The data of a run, split and standardised as execute_run sees them (the split and synthetic
// data draw from the run's seed).
data::DataSplits load_run_data(const RunConfig& cfg);

ModelWeights to_weights(const Parameters<float>& p, const std::string& settings_text);
// Checks the file's architecture against `arch` (error names the file and both shapes).
Parameters<float> from_weights(const ModelWeights& w, const Architecture& arch,
                               const std::string& file);

}  // namespace ns
