#pragma once
// Which tasks a report row averages over, and which task each task is compared with.
#include <optional>
#include <string>
#include <vector>

#include "study/study.hpp"

namespace ns::report {

// The tasks of one stage that agree on every grouping key: one report row.
struct Group {
  std::string stage;
  std::vector<std::string> values;  // the tasks' value on each grouping key, as TOML text
  std::vector<int> tasks;           // study task indices, ascending
};

// The keys `stage` sweeps, in the study's order, without "seed": by default a row averages
// over seed replicates and nothing else.
std::vector<std::string> swept_keys_except_seed(const Study& study, const std::string& stage);

// Checks keys given to group by (--group-by): each must be "seed", "label" or a setting (any
// setting, swept or not, since every task has a value for it). "stage" is dropped, since rows never
// mix stages. Throws Error naming the key, the closest setting and the study's swept keys.
std::vector<std::string> checked_group_keys(const Study& study,
                                            const std::vector<std::string>& keys);

// The groups of `stage` on `keys`, ordered by their first task's index. A task's value on a
// key is its swept value, or for a key it does not sweep its resolved setting.
std::vector<Group> group_tasks(const Study& study, const std::string& stage,
                               const std::vector<std::string>& keys);

// For each task (by index), the task its improvement is measured against, or nullopt.
// baseline_stage "": the task's parent (the task it was fine-tuned from, same replicate).
// Otherwise: the task of baseline_stage with the same values on every key baseline_stage sweeps
// (so the same seed replicate when it sweeps seeds); tasks of baseline_stage itself and tasks
// that match none get nullopt. Throws Error if baseline_stage is not a stage of the study.
std::vector<std::optional<int>> reference_tasks(const Study& study,
                                                const std::string& baseline_stage);

}  // namespace ns::report
