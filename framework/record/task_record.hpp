#pragma once
// The outcome of one task, as it travels from a worker to the coordinator (MPI message) and as
// the coordinator stores it (journal, then HDF5 archive).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/evaluate.hpp"
#include "eval/network_stats.hpp"
#include "io/weights_file.hpp"
#include "train/trainer.hpp"

namespace ns {

namespace bytes {
class Writer;
}

enum class TaskStatus { Done, Failed, Diverged };
const char* to_string(TaskStatus s);                  // "done", "failed", "diverged"
TaskStatus parse_task_status(std::string_view text);  // the inverse; throws Error otherwise

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
  std::string build;  // numeric_build() of the program that computed it; "" if not recorded
  double started = 0, finished = 0;  // Unix time, seconds
  double train_seconds = 0, eval_seconds = 0;

  std::vector<EpochStats> curve;
  double clean_accuracy = 0;
  NoiseCurves noise;
  NetworkStats stats;                   // empty for a task that failed or diverged
  std::optional<ModelWeights> weights;  // when the study keeps them (or children need them)
};

// What is wrong with how the record's arrays fit together, "" if nothing: its noise curves
// (NoiseCurves::problem), else its network statistics ("network statistics: ...",
// network_stats_problem). Every encoder and reader of records checks it.
std::string record_problem(const TaskRecord& r);

// A self-delimiting binary encoding (little-endian, versioned), derived from the fields'
// declarations (record_fields.hpp; layout in task_record.cpp);
// decode throws Error("corrupt task record: ...") on any malformed or truncated input. Every
// field round-trips bit for bit. encode throws Error for a record whose noise accuracies do
// not match its kinds x levels x repetitions, or whose statistics are malformed
// (network_stats_problem).
std::string encode(const TaskRecord& r);
// The same bytes appended to `out`: lets a caller frame a record without copying it (the
// journal writes header + record from one reused buffer).
void encode_to(bytes::Writer& out, const TaskRecord& r);
TaskRecord decode(std::string_view bytes);

// Roughly the bytes the record takes, in memory or in an archive (its encoding's size plus the
// struct): what a writer reserves on disk before it writes them, and what the coordinator
// counts to know when to checkpoint.
std::size_t approximate_bytes(const TaskRecord& r);

// A network's weights alone, in the same encoding (what a worker needs of a parent task).
std::string encode(const ModelWeights& weights);
ModelWeights decode_weights(std::string_view bytes);

}  // namespace ns
