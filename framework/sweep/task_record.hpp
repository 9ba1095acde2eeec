#pragma once
// The outcome of one task, as it travels from a worker to the coordinator (MPI message) and as
// the coordinator stores it (journal, then HDF5 archive).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/evaluate.hpp"
#include "io/weights_file.hpp"
#include "train/trainer.hpp"

namespace ns {

enum class TaskStatus { Done, Failed, Diverged };
const char* to_string(TaskStatus s);

struct TaskRecord {
  std::string id;
  std::string stage;
  int index = 0;
  TaskStatus status = TaskStatus::Done;
  std::string message;  // why it failed or diverged ("" when done)
  std::string settings_text;
  std::uint64_t seed = 0;

  int rank = 0;
  std::string host;
  double started = 0, finished = 0;  // Unix time, seconds
  double train_seconds = 0, eval_seconds = 0;

  std::vector<EpochStats> curve;
  double clean_accuracy = 0;
  NoiseCurves noise;
  std::optional<ModelWeights> weights;  // when the study keeps them (or children need them)
};

// A self-delimiting binary encoding (little-endian, versioned); decode throws Error on any
// malformed input.
std::string encode(const TaskRecord& r);
TaskRecord decode(std::string_view bytes);

}  // namespace ns
