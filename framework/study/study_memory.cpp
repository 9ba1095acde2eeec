#include "study/study_memory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "config/run_file.hpp"
#include "eval/histogram.hpp"
#include "study/data_shape.hpp"
#include "study/grid.hpp"
#include "study/memory_check.hpp"

namespace ns {

namespace {

// A task in the task list beyond its noise levels, with what the coordinator keeps of it once
// it finished (measured with the default settings: about 3 kB per task in all).
constexpr double kTaskBaseBytes = 2800;

// Where `key` is set for the tasks of `stage`: its grid axis, a variant, its settings or the
// study's defaults, in that order of precedence; the study file alone when it is not set.
SourcePlace key_place(const StudySpec& spec, const std::string& stage, const std::string& key,
                      const std::string& file) {
  const auto find = [&](const std::vector<KeyPlace>& keys) -> const SourcePlace* {
    for (const KeyPlace& k : keys)
      if (k.key == key) return &k.place;
    return nullptr;
  };
  for (const StageSpec& s : spec.stages) {
    if (s.name != stage) continue;
    for (const GridAxis& axis : s.grid)
      if (axis.key == key) return axis.place;
    if (const SourcePlace* p = find(s.variant_keys)) return *p;
    if (const SourcePlace* p = find(s.settings_keys)) return *p;
  }
  if (spec.defaults) {
    // As run files record where each key is set (the defaults are checked values already).
    RunConfig scratch;
    std::map<std::string, SourcePlace, std::less<>> places;
    apply_table(scratch, *spec.defaults, file, places);
    if (const auto it = places.find(key); it != places.end()) return it->second;
  }
  return {file};
}

std::string describe_task(const Task& t) {
  std::vector<std::string> parts{fmt::format("stage '{}'", t.stage)};
  for (const auto& [key, value] : t.axes) parts.push_back(fmt::format("{} = {}", key, value));
  return fmt::format("task {} ({})", t.index, fmt::join(parts, ", "));
}

// The swept key with the most values: what multiplies a study's task count.
std::string widest_axis(const Study& study) {
  std::map<std::string, std::set<std::string>> values;
  for (const Task& t : study.tasks)
    for (const auto& [key, value] : t.axes) values[key].insert(value);
  std::string widest;
  std::size_t most = 0;
  for (const auto& [key, v] : values)
    if (v.size() > most) most = v.size(), widest = key;
  return widest;
}

// The same estimate for tasks that differ only in their seed or parent: the text of their
// settings without those lines, and whether they keep statistics.
std::string memory_identity(const Task& t) {
  std::string text = to_toml(t.config);  // without the parent, which settings_text() names
  if (text.starts_with("seed = ")) text.erase(0, text.find('\n') + 1);
  return text + (t.store_stats ? "stats" : "");
}

// What a finished task leaves in the coordinator: its statistics, as network_stats computes
// them (per layer the row means and stds and two histograms, per hidden layer two histograms).
double stats_bytes(const RunConfig& cfg, const DataShape& shape) {
  const double histogram = (2.0 * kHistogramBins + 1) * kDoubleBytes;
  double rows = double(shape.classes);
  for (int h : cfg.model.hidden) rows += h;
  const double layers = double(cfg.model.hidden.size()) + 1;
  return 2 * rows * kDoubleBytes + 2 * histogram * layers + 2 * histogram * (layers - 1);
}

}  // namespace

void check_task_count(const std::vector<StageSpec>& stages, const std::vector<double>& stage_tasks,
                      bool complete, const MachineMemory* machine) {
  if (stage_tasks.empty()) return;
  double total = 0;
  std::size_t largest = 0;
  for (std::size_t s = 0; s < stage_tasks.size(); ++s) {
    total += stage_tasks[s];
    if (stage_tasks[s] > stage_tasks[largest]) largest = s;
  }
  // A stage over its own cap is refused by name when it is expanded, before it allocates.
  if (stage_tasks[largest] > double(kMaxTasksPerStage)) return;
  const double list_bytes = total * kTaskListBytes;
  const bool too_many = total > double(kMaxStudyTasks);
  const bool too_large = machine && judge_memory(list_bytes, *machine) == MemoryFit::TooLarge;
  if (!too_many && !too_large) return;

  // The largest stage's widest axis is where the count is most likely mistyped.
  const StageSpec& stage = stages[largest];
  const GridAxis* widest = nullptr;
  for (const GridAxis& axis : stage.grid)
    if (!widest || axis.values.size() > widest->values.size()) widest = &axis;
  const std::string why =
      too_many ? fmt::format("more than a study may have ({}); planning them would take about {}",
                             kMaxStudyTasks, bytes_text(list_bytes))
               : fmt::format(
                     "and their task list alone would need about {}, more than this "
                     "machine's {} ({})",
                     bytes_text(list_bytes), bytes_text(machine->bytes), machine->source);
  throw ConfigError(
      widest ? widest->place : stage.place, widest ? widest->key : "",
      fmt::format("{} (stage '{}' has {:.0f}), {}. Is an axis or a replicate count too large?",
                  complete ? fmt::format("the study has {:.0f} tasks in {} stages", total,
                                         stage_tasks.size())
                           : fmt::format("the first {} stages of the study have {:.0f} tasks",
                                         stage_tasks.size(), total),
                  stage.name, stage_tasks[largest], why));
}

StudyMemory estimate_study_memory(const Study& study) {
  StudyMemory m;
  m.task_bytes.resize(study.tasks.size());
  // Reading a data set's shape may read files (idx), so tasks that differ only in their seed or
  // parent share one estimate.
  struct Known {
    MemoryEstimate peak;
    double parameters = 0, stats = 0;
  };
  std::unordered_map<std::string, Known> seen;
  // Until their last child is handed out, parents' weights stay with the coordinator.
  std::vector<bool> is_parent(study.tasks.size(), false);
  for (const Task& t : study.tasks)
    if (t.parent) is_parent[std::size_t(*t.parent)] = true;
  double list = 0, records = 0, largest_record = 0, parents = 0;
  int parent_count = 0;
  for (const Task& t : study.tasks) {
    const RunConfig& cfg = t.config;
    auto [it, fresh] = seen.try_emplace(memory_identity(t));
    double record = 0;  // what its whole record holds until a checkpoint
    if (fresh) {
      const DataShape shape = data_shape(cfg.data);
      it->second = {estimate_run_memory(cfg, shape, t.store_stats), parameter_count(cfg, shape),
                    stats_bytes(cfg, shape)};
    }
    const MemoryEstimate& e = it->second.peak;
    m.task_bytes[t.index] = e.total();
    if (m.largest_task < 0 || e.total() > m.largest.total())
      m.largest_task = t.index, m.largest = e;

    list += kTaskBaseBytes + kDoubleBytes * double(cfg.eval.levels.size());
    const double weights = it->second.parameters * kFloatBytes;
    if (t.store_weights) record += weights;
    if (is_parent[std::size_t(t.index)]) parents += weights, ++parent_count;
    record += kDoubleBytes * double(cfg.eval.kinds.size() * cfg.eval.levels.size()) *
              cfg.eval.repetitions;
    record += 6 * kDoubleBytes * cfg.train.epochs;
    if (t.store_stats) record += it->second.stats;
    records += record;
    largest_record = std::max(largest_record, record);
  }

  const std::size_t n = study.tasks.size();
  m.coordinator.phase = "coordinating";
  m.coordinator.terms = {
      {fmt::format("the task list ({} tasks)", n), widest_axis(study), list},
      // A checkpoint comes once they pass kCheckpointBytes, so at most that and one more.
      {"finished records waiting for the next checkpoint", "",
       std::min(records, kCheckpointBytes + largest_record)},
      {fmt::format("the weights of {} tasks that others start from", parent_count), "model.hidden",
       parents},
  };
  return m;
}

void check_study_memory(const Study& study, const StudySpec& spec, const StudyMemory& memory,
                        const MachineMemory& machine) {
  if (memory.largest_task < 0) return;
  const Task& task = study.tasks[memory.largest_task];
  refuse_if_too_large(memory.largest, machine,
                      key_place(spec, task.stage, memory.largest.largest().key, study.file),
                      describe_task(task));
  const std::string key = memory.coordinator.largest().key;
  refuse_if_too_large(
      memory.coordinator, machine,
      key.empty() ? SourcePlace{study.file} : key_place(spec, task.stage, key, study.file),
      fmt::format("the coordinator of {} tasks", study.tasks.size()));
}

std::vector<std::string> study_memory_warnings(const Study& study, const StudyMemory& memory,
                                               const MachineMemory& machine, int tasks_at_once) {
  std::vector<std::string> out;
  if (memory.largest_task < 0) return out;
  if (judge_memory(memory.largest.total(), machine) == MemoryFit::Close)
    out.push_back(fmt::format("{} {}", describe_task(study.tasks[memory.largest_task]),
                              close_text(memory.largest, machine)));
  if (judge_memory(memory.coordinator.total(), machine) == MemoryFit::Close)
    out.push_back(fmt::format("the coordinator of {} tasks {}", study.tasks.size(),
                              close_text(memory.coordinator, machine)));
  const double together = tasks_at_once * memory.largest.total() + memory.coordinator.total();
  if (tasks_at_once > 1 && judge_memory(together, machine) != MemoryFit::Fits)
    out.push_back(fmt::format(
        "{} tasks at once beside the coordinator may need about {}, more than {:.0f}% of this "
        "machine's {} ({}); run fewer at once (--threads, or fewer ranks per node)",
        tasks_at_once, bytes_text(together), 100 * kWarnFraction, bytes_text(machine.bytes),
        machine.source));
  return out;
}

}  // namespace ns
