#pragma once
// A study: a TOML file that declares defaults for every run setting, grids and explicit variants
// over any setting, stages that fine-tune from earlier stages, and seed replicates. Expanding it
// gives the list of tasks, each a fully resolved run. Example: studies/test-small.toml.
//
//   name = "quickstart"              required, [A-Za-z0-9_.-]+
//   seed = 1                         the study seed (default 1)
//   [defaults]                       run settings for every task, as in a run file
//   [archive] weights = "needed"     keep the weights later stages start from; or "all"
//   [[stage]]                        one or more, in order; each has
//     name = "rowsum"                required, unique
//     init_from = "baseline"         an earlier stage: each task starts from the weights of the
//                                    task there with the same values on that stage's axes
//     [stage.settings]               run settings for this stage
//     [stage.grid]                   axes: "key" = [values]; seed = {replicates = N} or [ints]
//     [[stage.variants]]             explicit overrides; tasks = variants x grid. Each may
//       label = "no saturation"      name itself for tables and legends (all of a stage's
//                                    variants or none); a label is not a setting: it is swept
//                                    as the key "label" but leaves task ids unchanged
//
// A one-stage study may put [grid] and [[variants]] at the top level instead (stage "main").
// A task resolves RunConfig defaults <- [defaults] <- stage settings <- variant <- grid point
// <- the seed derived from the study seed and its seed axis value. Every error is a ConfigError
// naming the file, line, column and key.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/run_config.hpp"
#include "core/machine_memory.hpp"
#include "study/label.hpp"

namespace ns {

struct Task {
  std::string id;     // 32 hex digits: stage, settings that differ from the id scheme's defaults,
                      // and the parent's id (study/task_id.hpp)
  std::string stage;  // name of its stage
  int index = 0;      // position in the study's expansion: the stable order of tasks
  RunConfig config;   // resolved; config.train.init_from is "" (the parent's weights are passed
                      // in memory by the scheduler)
  std::optional<int> parent;  // index of the task whose trained weights it starts from
  // The values this task takes on the study's swept keys, as TOML text (key, value), in the
  // study's axis order; e.g. ("reg.rowsum", "[1, 30]"), ("seed", "2").
  // For "seed" the value is the seed axis value (a replicate number or a listed integer), not
  // the derived run seed, which is config.seed.
  std::vector<std::pair<std::string, std::string>> axes;
  bool store_weights = false;   // keep the trained weights in the archive
  bool store_stats = true;      // compute and keep the network statistics (archive.stats)
  std::uint64_t replicate = 0;  // the seed axis value (0 when the stage has no seed axis)
  std::string label;            // its variant's label; "" when the stage's are unlabelled
};

struct Study {
  std::string name;
  std::string file;
  std::string text;  // the study file as written
  std::string hash;  // 32 hex digits of `text`
  std::uint64_t seed = 1;
  std::vector<std::string> stages;     // in file order
  std::vector<std::string> axis_keys;  // every swept key of any stage, in first-seen order
                                       // ("seed" first when any stage sweeps it)
  std::vector<Task> tasks;             // parents always come before their children
};

// The canonical TOML of a task's resolved settings, every setting written out; for a dependent
// task it names the parent: train.init_from = "task:<parent id>". Made when needed rather than
// kept per task: it is 2 KB, and a study may have 100,000 tasks.
std::string settings_text(const Study& study, const Task& task);

// Reads a study to plan or run it on this machine: parse_study_text with this machine's memory
// (core/machine_memory.hpp), so a study too large for it is refused before it runs.
Study load_study(const std::string& path);
// With `machine`, also refuses a study whose task list, largest task or coordinator would not fit
// in it (study/study_memory.hpp). Readers of archives pass none: a study that ran elsewhere
// stays readable here. A study of more than kMaxStudyTasks tasks is refused either way, before
// any task is expanded.
Study parse_study_text(const std::string& text, const std::string& file,
                       const MachineMemory* machine = nullptr);

// 128-bit hash of a text as 32 hex digits (two independent 64-bit hashes).
std::string hash_hex(const std::string& text);

// The run seed of a task: a mix of the study seed and the task's seed axis value, below 2^62 so
// that it is a valid TOML integer. Tasks of different stages with the same axis value share it
// (and so their data split and noise streams): common random numbers across an ablation.
std::uint64_t derive_seed(std::uint64_t study_seed, std::uint64_t axis_value);

}  // namespace ns
