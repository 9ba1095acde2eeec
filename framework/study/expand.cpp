#include "study/expand.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <map>

#include "config/run_file.hpp"
#include "config/settings.hpp"
#include "study/grid.hpp"

namespace ns {

namespace {

using Places = std::map<std::string, SourcePlace, std::less<>>;

// validate()'s error, with the task it concerns: the key's line alone may be shared by many.
[[noreturn]] void rethrow_with_context(const ConfigError& e, const std::string& context) {
  const std::string prefix = ConfigError(e.place(), e.key(), "").what();
  const std::string what = std::string(e.what()).substr(prefix.size());
  throw ConfigError(e.place(), e.key(), fmt::format("{} ({})", what, context));
}

void check_task(const Task& task, const Places& places, const StageSpec& stage,
                const std::string& file) {
  const std::vector<std::string> keys = stage.axis_keys();
  const std::string context =
      keys.empty() ? fmt::format("stage '{}'", stage.name)
                   : fmt::format("stage '{}', task with {}", stage.name, describe(task, keys));
  // The weights of a dependent stage come from its parent task; a file would contradict it.
  if (!stage.init_from.empty() && !task.config.train.init_from.empty()) {
    const auto it = places.find("train.init_from");
    throw ConfigError(it != places.end() ? it->second : stage.init_from_place, "train.init_from",
                      fmt::format("stage '{}' starts from stage '{}' (its init_from), so it "
                                  "cannot also start from a file",
                                  stage.name, stage.init_from));
  }
  try {
    validate(task.config, places, file);
  } catch (const ConfigError& e) {
    rethrow_with_context(e, context);
  }
}

}  // namespace

std::string axis_text(const Task& task, const std::string& key) {
  if (key == "seed") return fmt::format("{}", task.replicate);
  // Labels hold no quotes or backslashes (study_spec.cpp), so quoting them is TOML text.
  if (key == kLabelKey) return fmt::format("\"{}\"", task.label);
  return find_setting(key)->show(task.config);
}

std::string describe(const Task& task, const std::vector<std::string>& keys) {
  std::vector<std::string> parts;
  for (const std::string& k : keys) parts.push_back(fmt::format("{} = {}", k, axis_text(task, k)));
  return fmt::format("{}", fmt::join(parts, ", "));
}

double stage_task_count(const StageSpec& stage) {
  double count = double(std::max<std::size_t>(1, stage.variants.size()));
  for (const GridAxis& axis : stage.grid) count *= double(axis.values.size());
  return count;
}

std::vector<Task> expand_stage(const StudySpec& study, const StageSpec& stage,
                               const std::string& file) {
  RunConfig base;
  Places base_places;
  if (study.defaults) apply_table(base, *study.defaults, file, base_places);
  if (stage.settings) apply_table(base, *stage.settings, file, base_places);

  std::vector<const toml::table*> variants = stage.variants;
  if (variants.empty()) variants.push_back(nullptr);  // one variant that changes nothing

  const double count = stage_task_count(stage);
  if (count > double(kMaxTasksPerStage))
    throw ConfigError(stage.place, "",
                      fmt::format("stage '{}' has {:.0f} tasks, more than a stage may have ({}); "
                                  "is an axis or a replicate count too large?",
                                  stage.name, count, kMaxTasksPerStage));

  std::vector<Task> tasks;
  for (std::size_t v = 0; v < variants.size(); ++v) {
    const toml::table* variant = variants[v];
    RunConfig with_variant = base;
    Places variant_places = base_places;
    if (variant) apply_table(with_variant, *variant, file, variant_places);

    // An odometer over the axes: the last axis turns fastest (row-major order).
    std::vector<std::size_t> at(stage.grid.size(), 0);
    while (true) {
      Task task;
      task.stage = stage.name;
      if (!stage.variant_labels.empty()) task.label = stage.variant_labels[v];
      task.config = with_variant;
      Places places = variant_places;
      for (std::size_t i = 0; i < stage.grid.size(); ++i) {
        const GridAxis& axis = stage.grid[i];
        const AxisValue& value = axis.values[at[i]];
        if (axis.is_seed()) {
          task.replicate = value.seed_value;
        } else {
          apply_setting(task.config, axis.key, *value.node, value.place);
          places[axis.key] = value.place;
        }
      }
      task.config.seed = derive_seed(study.seed, task.replicate);
      check_task(task, places, stage, file);
      tasks.push_back(std::move(task));

      std::size_t i = stage.grid.size();
      while (i > 0 && ++at[i - 1] == stage.grid[i - 1].values.size()) at[--i] = 0;
      if (i == 0) break;
    }
  }
  return tasks;
}

}  // namespace ns
