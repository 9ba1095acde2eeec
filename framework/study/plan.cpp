#include "study/plan.hpp"

#include <fmt/format.h>
#include <algorithm>

#include "core/machine_memory.hpp"
#include "core/wrap.hpp"
#include "study/data_shape.hpp"
#include "study/memory_check.hpp"
#include "study/study_memory.hpp"

namespace ns {

namespace {

constexpr std::size_t kMaxValueWidth = 24;  // long lists (eval.levels) would swamp the table

std::string clip(const std::string& text) {
  if (text.size() <= kMaxValueWidth) return text;
  return text.substr(0, kMaxValueWidth - 3) + "...";
}

std::string flops_text(double flops) {
  constexpr const char* kUnits[] = {"FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP", "PFLOP", "EFLOP"};
  int unit = 0;
  while (flops >= 1000 && unit < 6) flops /= 1000, ++unit;
  return fmt::format("{:.3g} {}", flops, kUnits[unit]);
}

std::string hours_text(double hours) {
  if (hours < 1.0 / 60) return fmt::format("{:.2g} core-s", hours * 3600);
  if (hours < 1) return fmt::format("{:.2g} core-min", hours * 60);
  return fmt::format("{:.3g} core-h", hours);
}

struct StageTotals {
  int tasks = 0, weights_kept = 0;
  std::string starts_from = "-";
  double flops = 0;
  double peak_memory = 0;  // of its largest task
};

// What the memory check (study/study_memory.hpp) saw: the largest task, the coordinator, this
// machine, and any warning.
std::string memory_lines(const Study& study, const StudyMemory& memory) {
  if (memory.largest_task < 0) return "";
  const MachineMemory machine = machine_memory();
  const Task& task = study.tasks[memory.largest_task];
  std::string out = fmt::format(
      "memory: up to {} per task at its peak (task {}, stage '{}', {}), and about {} for the "
      "coordinator's task list and results; this machine has {} ({}). A study above {:.0f}% of "
      "it is warned about, above all of it refused\n",
      bytes_text(memory.largest.total()), task.index, task.stage, memory.largest.phase,
      bytes_text(memory.coordinator.total()), bytes_text(machine.bytes), machine.source,
      100 * kWarnFraction);
  for (const std::string& w : study_memory_warnings(study, memory, machine, 1))
    out += fmt::format("warning: {}\n", w);
  return out;
}

// `max_width` > 0: the axis columns that fit in that many characters, and a line naming the rest.
std::string task_table(const Study& study, int max_rows, std::size_t max_width) {
  const int rows = std::min<int>(max_rows, int(study.tasks.size()));
  // Column widths from the rows shown.
  std::size_t stage_width = 5;
  std::vector<std::size_t> widths;
  for (const std::string& k : study.axis_keys) widths.push_back(k.size());
  for (int i = 0; i < rows; ++i) {
    const Task& t = study.tasks[i];
    stage_width = std::max(stage_width, t.stage.size());
    for (const auto& [key, value] : t.axes) {
      const auto k = std::find(study.axis_keys.begin(), study.axis_keys.end(), key);
      std::size_t& w = widths[k - study.axis_keys.begin()];
      w = std::max(w, clip(value).size());
    }
  }
  const int index_width = int(fmt::formatted_size("{}", study.tasks.size()));
  std::string out = fmt::format("{:>{}}  {:<{}}  {:<8}  {:>{}}", "#", index_width, "stage",
                                stage_width, "id", "from", std::max(4, index_width));
  // The axis columns shown: those that fit, in order; always at least the first.
  std::size_t shown = 0;
  for (std::size_t width = out.size(); shown < widths.size(); ++shown) {
    width += 2 + widths[shown];
    if (max_width > 0 && shown > 0 && width > max_width) break;
  }
  for (std::size_t k = 0; k < shown; ++k)
    out += fmt::format("  {:>{}}", study.axis_keys[k], widths[k]);
  out += "\n";
  for (int i = 0; i < rows; ++i) {
    const Task& t = study.tasks[i];
    out += fmt::format("{:>{}}  {:<{}}  {:<8}  {:>{}}", t.index, index_width, t.stage, stage_width,
                       t.id.substr(0, 8), t.parent ? fmt::format("{}", *t.parent) : "-",
                       std::max(4, index_width));
    for (std::size_t k = 0; k < shown; ++k) {
      std::string value = "-";  // a key its stage does not sweep
      for (const auto& [key, v] : t.axes)
        if (key == study.axis_keys[k]) value = clip(v);
      out += fmt::format("  {:>{}}", value, widths[k]);
    }
    out += "\n";
  }
  if (rows < int(study.tasks.size()))
    out += fmt::format("... {} more tasks\n", study.tasks.size() - std::size_t(rows));
  if (shown < widths.size()) {
    const std::size_t hidden = widths.size() - shown, named = std::min<std::size_t>(hidden, 3);
    const auto first = study.axis_keys.begin() + std::ptrdiff_t(shown);
    out += fmt::format("... {} more column{}: {}{}\n", hidden, hidden == 1 ? "" : "s",
                       fmt::join(first, first + std::ptrdiff_t(named), ", "),
                       hidden > named ? fmt::format(" and {} more", hidden - named) : "");
    out += "    (too wide for this terminal: a pipe, e.g. | less -S, or --json shows all)\n";
  }
  return out;
}

}  // namespace

TaskCost estimate_cost(const RunConfig& cfg) {
  const DataShape shape = data_shape(cfg.data);
  std::vector<double> sizes{double(shape.inputs)};
  for (int h : cfg.model.hidden) sizes.push_back(h);
  sizes.push_back(shape.classes);
  double macs = 0;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) macs += sizes[l] * sizes[l + 1];
  const double first = sizes[0] * sizes[1];

  TaskCost cost;
  cost.guess = shape.guess;
  const double epoch =
      double(shape.train) * 2 * (3 * macs - first) + double(shape.validation) * 2 * macs;
  cost.train_flops = cfg.train.epochs * epoch;
  double noisy_passes = 0;  // each kind at its own levels
  for (NoiseKind kind : cfg.eval.kinds)
    noisy_passes += double(cfg.levels_of(kind).size()) * cfg.eval.repetitions;
  cost.eval_flops = double(shape.test) * 2 * (macs + noisy_passes * (macs - first));
  return cost;
}

std::string format_plan(const Study& study, double gflops_per_core, int max_rows,
                        std::size_t max_width) {
  // Prose is wrapped to a terminal's width; tables keep to it by leaving out columns.
  const auto prose = [&](const std::string& text) {
    return max_width > 0 ? wrap(text, max_width) : text;
  };
  std::string out = prose(fmt::format(
      "study '{}' ({}, hash {}): {} tasks in {} stages, study seed {}\n\n", study.name, study.file,
      study.hash.substr(0, 8), study.tasks.size(), study.stages.size(), study.seed));
  out += task_table(study, max_rows, max_width);

  std::vector<StageTotals> stages(study.stages.size());
  std::vector<std::string> guesses;
  double total = 0;
  int kept = 0;
  const StudyMemory memory = estimate_study_memory(study);
  for (const Task& t : study.tasks) {
    const auto s =
        std::find(study.stages.begin(), study.stages.end(), t.stage) - study.stages.begin();
    const TaskCost cost = estimate_cost(t.config);
    StageTotals& st = stages[s];
    ++st.tasks;
    st.weights_kept += t.store_weights;
    st.flops += cost.total();
    st.peak_memory = std::max(st.peak_memory, memory.task_bytes[t.index]);
    if (t.parent) st.starts_from = study.tasks[*t.parent].stage;
    total += cost.total();
    kept += t.store_weights;
    if (!cost.guess.empty() &&
        std::find(guesses.begin(), guesses.end(), cost.guess) == guesses.end())
      guesses.push_back(cost.guess);
  }

  const double rate = gflops_per_core * 1e9 * 3600;  // FLOPs per core-hour
  std::size_t name_width = 5, from_width = 11;
  for (std::size_t s = 0; s < stages.size(); ++s) {
    name_width = std::max(name_width, study.stages[s].size());
    from_width = std::max(from_width, stages[s].starts_from.size());
  }
  const auto row = [&](const auto& stage, const auto& tasks, const std::string& from,
                       const auto& weights, const std::string& compute, const std::string& time,
                       const std::string& memory_per_task) {
    return fmt::format("{:<{}}  {:>6}  {:<{}}  {:>12}  {:>12}  {:>14}  {:>12}\n", stage, name_width,
                       tasks, from, from_width, weights, compute, time, memory_per_task);
  };
  out += '\n';
  out += row("stage", "tasks", "starts from", "weights kept", "compute", "time", "memory/task");
  for (std::size_t s = 0; s < stages.size(); ++s)
    out += row(study.stages[s], stages[s].tasks, stages[s].starts_from, stages[s].weights_kept,
               flops_text(stages[s].flops), hours_text(stages[s].flops / rate),
               bytes_text(stages[s].peak_memory));
  out += row("total", study.tasks.size(), "", kept, flops_text(total), hours_text(total / rate),
             memory.largest_task < 0 ? "-" : bytes_text(memory.largest.total()));
  std::string notes = fmt::format(
      "\ntime at {} GFLOP/s per core, counting the network's multiply-adds only (no "
      "regularisers, noise draws or data loading)\n",
      gflops_per_core);
  for (const std::string& g : guesses) notes += fmt::format("note: {}\n", g);
  notes += memory_lines(study, memory);
  return out + prose(notes);
}

}  // namespace ns
