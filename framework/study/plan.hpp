#pragma once
// What a study will cost before it runs: FLOPs per task from the architecture and the data's
// shape, and the table `noisesweep plan` prints.
#include <string>

#include "config/run_config.hpp"
#include "study/study.hpp"

namespace ns {

struct TaskCost {
  double train_flops = 0;  // every epoch: forward + backward per training sample, plus the
                           // clean validation pass
  double eval_flops = 0;   // the clean test pass plus every noisy pass
  std::string guess;       // why the data shape is assumed ("" when known); see data_shape()
  double total() const { return train_flops + eval_flops; }
};

// Counts the network's multiply-adds only (2 FLOPs each): training costs 2 * (3 * macs -
// first_layer_macs) per sample (the backward pass needs no gradient for the inputs), noisy
// evaluation 2 * (macs - first_layer_macs) per sample and pass (the clean first layer is computed
// once for all draws). Regularisers, noise draws and data loading are left out.
TaskCost estimate_cost(const RunConfig& cfg);

// The tasks (index, stage, short id, axis values, parent), at most `max_rows` of them, then
// the tasks, weights kept, cost and peak memory per task per stage, the total in core-hours at
// the given rate, and the memory check's figures and warnings (study/study_memory.hpp).
// `max_width` > 0 (a terminal's width): the task table keeps to it, and names the swept keys it
// leaves out.
std::string format_plan(const Study& study, double gflops_per_core, int max_rows = 50,
                        std::size_t max_width = 0);

}  // namespace ns
