#pragma once
// How much memory a run will need, from its settings and its data's shape, before it allocates
// anything: so that a run too large for the machine is refused with the setting to blame
// instead of dying of std::bad_alloc after minutes (study/memory_check.hpp judges it).
//
// A run goes through phases, and its peak is the largest of them:
//   loading     the data as read or generated, plus the copies the validation split makes
//   training    the data, the parameter-sized buffers (weights, gradient, optimiser state), one
//               batch's activations and a block of validation samples
//   evaluating  the same without the training buffers: the first hidden layer(s) over the whole
//               test set (computed once for every noisy pass), one block of eval.chunk samples,
//               and the accuracy array (kinds x levels x repetitions)
//   statistics  (when kept) the largest weight matrix in float64 and a block of test samples
//   handing on  the weights and their copies for the record or file; the data is gone
// Buffers are counted at their Eigen sizes (4 bytes per float32 value); small fixed overheads
// (vectors of a few hundred numbers, strings) are left out. The estimate errs high: it counts
// every buffer that may be alive at once.
#include <string>
#include <vector>

#include "config/run_config.hpp"
#include "study/data_shape.hpp"

namespace ns {

// One buffer (or group of buffers) of a phase, and the setting that decides its size.
struct MemoryTerm {
  std::string what;  // for people: "the parameters of a 784-300-300-10 network (...)"
  std::string key;   // the setting that decides its size: "model.hidden", "eval.chunk", ...
  double bytes = 0;
};

struct MemoryEstimate {
  std::string phase;  // the phase that makes the peak
  std::vector<MemoryTerm> terms;
  double total() const;
  // The term with the most bytes: what a refusal names.
  const MemoryTerm& largest() const;
};

// What counts, so that the count can be checked by hand (tests) and read in one place.
inline constexpr double kFloatBytes = 4;   // float32: data, parameters, activations
inline constexpr double kDoubleBytes = 8;  // float64: accuracies, statistics
inline constexpr double kIntBytes = 4;     // labels, sample orders

// The float32 buffers of the parameters' size a run holds while training: the weights, the
// gradient and the optimiser's state (Adagrad 1, Adam 2, SGD 1 with momentum, else 0).
int training_parameter_copies(const OptimizerConfig& optimizer);
// At the end of a run the weights are handed on: the copy a task records or a run saves, and its
// encoding, besides the weights themselves.
inline constexpr int kHandedOnParameterCopies = 3;

// Weights and biases of the network that `cfg` builds on data of `shape`.
double parameter_count(const RunConfig& cfg, const DataShape& shape);

// Every phase of a run of `cfg` on data of `shape`, in the run's order; `with_stats`: the run
// computes the network statistics (train always does; a study task unless archive.stats = false).
std::vector<MemoryEstimate> run_memory_phases(const RunConfig& cfg, const DataShape& shape,
                                              bool with_stats);
// The phase with the most bytes: the run's peak.
MemoryEstimate estimate_run_memory(const RunConfig& cfg, const DataShape& shape, bool with_stats);

// The setting that most enlarges the accuracy array (kinds x levels x repetitions): eval.levels
// or eval.repetitions, whichever is further above its default.
std::string noise_grid_key(const EvalConfig& eval);

// "12.3 MB", "4.56 GB": decimal units (1 GB = 10^9 bytes), three significant digits.
std::string bytes_text(double bytes);

}  // namespace ns
