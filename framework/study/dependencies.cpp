#include "study/dependencies.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <map>

#include "config/settings.hpp"
#include "study/data_shape.hpp"
#include "study/expand.hpp"

namespace ns {

namespace {

std::string signature(const Task& task, const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& k : keys) out += axis_text(task, k) + '\n';
  return out;
}

// Why a task matches no parent: the keys whose value no parent has, or else the combination.
std::string mismatch(const Task& task, const std::vector<std::string>& keys,
                     const std::vector<Task>& tasks, TaskRange parents,
                     const std::string& parent_stage) {
  std::vector<std::string> differences;
  for (const std::string& k : keys) {
    std::vector<std::string> values;
    for (int i = parents.first; i < parents.first + parents.count; ++i) {
      std::string v = axis_text(tasks[i], k);
      if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
    }
    const std::string mine = axis_text(task, k);
    if (std::find(values.begin(), values.end(), mine) == values.end())
      differences.push_back(
          fmt::format("{} = {} here; '{}' has {}", k, mine, parent_stage, fmt::join(values, ", ")));
  }
  if (differences.empty())
    return fmt::format("no task there has this combination of {}; sweep the same values",
                       fmt::join(keys, ", "));
  return fmt::format("differs in {}", fmt::join(differences, "; "));
}

// Fine-tuning keeps the parent's weights, so the network's shape and activation must agree.
std::string architecture_difference(const RunConfig& child, const RunConfig& parent) {
  for (std::string_view key : {"model.hidden", "model.activation"}) {
    const Setting* s = find_setting(key);
    if (s->show(child) != s->show(parent))
      return fmt::format("{} = {} here, {} there", key, s->show(child), s->show(parent));
  }
  // Data sets whose shape is known without reading files must feed the same inputs and classes.
  if (child.data.name != "idx" && parent.data.name != "idx") {
    const DataShape c = data_shape(child.data), p = data_shape(parent.data);
    if (c.inputs != p.inputs || c.classes != p.classes)
      return fmt::format("the data has {} inputs and {} classes here, {} and {} there", c.inputs,
                         c.classes, p.inputs, p.classes);
  }
  return "";
}

}  // namespace

void link_parents(std::vector<Task>& tasks, const StageSpec& child, TaskRange child_tasks,
                  const StageSpec& parent, TaskRange parent_tasks) {
  // A label names a variant but is not a setting: the settings alone say which task matches.
  std::vector<std::string> keys = parent.axis_keys();
  std::erase(keys, kLabelKey);
  std::map<std::string, std::vector<int>> by_signature;
  for (int i = parent_tasks.first; i < parent_tasks.first + parent_tasks.count; ++i)
    by_signature[signature(tasks[i], keys)].push_back(i);

  for (int c = child_tasks.first; c < child_tasks.first + child_tasks.count; ++c) {
    Task& task = tasks[c];
    const std::string who = fmt::format("stage '{}': task {}{}", child.name, task.index,
                                        keys.empty() ? "" : " (" + describe(task, keys) + ")");
    const auto it = by_signature.find(signature(task, keys));
    if (it == by_signature.end())
      throw ConfigError(child.init_from_place, "init_from",
                        fmt::format("{} matches no task of stage '{}' ({})", who, parent.name,
                                    mismatch(task, keys, tasks, parent_tasks, parent.name)));
    // Tasks of one stage that agree on every swept key are one task (a duplicate, refused
    // earlier), so this guards the rule rather than a reachable case.
    if (it->second.size() > 1)
      throw ConfigError(child.init_from_place, "init_from",
                        fmt::format("{} matches {} tasks of stage '{}'; sweep the same keys", who,
                                    it->second.size(), parent.name));
    const int p = it->second.front();
    if (const std::string diff = architecture_difference(task.config, tasks[p].config);
        !diff.empty())
      throw ConfigError(child.init_from_place, "init_from",
                        fmt::format("{} starts from task {} of stage '{}', whose network "
                                    "differs: {}; fine-tuning keeps the parent's architecture",
                                    who, p, parent.name, diff));
    task.parent = p;
  }
}

}  // namespace ns
