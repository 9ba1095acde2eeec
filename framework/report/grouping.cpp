#include "report/grouping.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "config/settings.hpp"
#include "core/error.hpp"
#include "study/expand.hpp"

namespace ns::report {

namespace {

// All tasks of a stage sweep the same keys (the stage's grid and variant keys).
std::vector<std::string> stage_keys(const Study& study, const std::string& stage) {
  for (const Task& t : study.tasks) {
    if (t.stage != stage) continue;
    std::vector<std::string> keys;
    for (const auto& [key, value] : t.axes) keys.push_back(key);
    return keys;
  }
  return {};
}

std::string signature(const Task& task, const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& k : keys) out += axis_text(task, k) + '\n';
  return out;
}

}  // namespace

std::vector<std::string> swept_keys_except_seed(const Study& study, const std::string& stage) {
  std::vector<std::string> keys = stage_keys(study, stage);
  keys.erase(std::remove(keys.begin(), keys.end(), "seed"), keys.end());
  return keys;
}

std::vector<std::string> checked_group_keys(const Study& study,
                                            const std::vector<std::string>& keys) {
  std::vector<std::string> out;
  for (const std::string& key : keys) {
    if (key == "stage") continue;
    if (key != "seed" && key != kLabelKey && !find_setting(key)) {
      const std::string closest = closest_setting(key);
      throw Error(fmt::format(
          "cannot group by '{}': not a setting{}; study '{}' sweeps {}", key,
          closest.empty() ? "" : fmt::format(" (did you mean '{}'?)", closest), study.name,
          study.axis_keys.empty() ? "nothing"
                                  : fmt::format("{}", fmt::join(study.axis_keys, ", "))));
    }
    if (std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
  }
  return out;
}

std::vector<Group> group_tasks(const Study& study, const std::string& stage,
                               const std::vector<std::string>& keys) {
  std::vector<Group> groups;
  std::map<std::vector<std::string>, std::size_t> position;
  for (const Task& t : study.tasks) {  // in index order, so groups come in first-task order
    if (t.stage != stage) continue;
    std::vector<std::string> values;
    for (const std::string& k : keys) values.push_back(axis_text(t, k));
    const auto [it, fresh] = position.emplace(values, groups.size());
    if (fresh) groups.push_back(Group{stage, values, {}});
    groups[it->second].tasks.push_back(t.index);
  }
  return groups;
}

std::vector<std::optional<int>> reference_tasks(const Study& study,
                                                const std::string& baseline_stage) {
  std::vector<std::optional<int>> reference(study.tasks.size());
  if (baseline_stage.empty()) {
    for (const Task& t : study.tasks) reference[t.index] = t.parent;
    return reference;
  }
  if (std::find(study.stages.begin(), study.stages.end(), baseline_stage) == study.stages.end())
    throw Error(fmt::format("baseline stage '{}' is not a stage of study '{}' (stages: {})",
                            baseline_stage, study.name, fmt::join(study.stages, ", ")));
  // The rule link_parents uses for init_from, so --baseline pairs a from-scratch stage with
  // its baseline exactly as fine-tuning would have.
  std::vector<std::string> keys = stage_keys(study, baseline_stage);
  std::erase(keys, kLabelKey);  // a name, not a setting: pair by settings, as link_parents does
  std::map<std::string, int> by_signature;
  for (const Task& t : study.tasks)
    if (t.stage == baseline_stage) by_signature.emplace(signature(t, keys), t.index);
  for (const Task& t : study.tasks) {
    if (t.stage == baseline_stage) continue;
    const auto it = by_signature.find(signature(t, keys));
    if (it != by_signature.end()) reference[t.index] = it->second;
  }
  return reference;
}

}  // namespace ns::report
