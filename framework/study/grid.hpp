#pragma once
// Grid tables: which keys a stage sweeps and over which values.
#include <toml++/toml.h>
#include <string>
#include <string_view>
#include <vector>

#include "study/study_spec.hpp"

namespace ns {

// More tasks than this in one stage is a typo (a replicate count, an axis too many), not a study.
inline constexpr long kMaxTasksPerStage = 1'000'000;

// The axes of a [grid] table, in file order. Keys are dotted settings keys, written quoted
// ("reg.lambda") or as nested tables; each value is a list of values of the key, checked
// against the schema. The seed axis is {replicates = N} (values 0..N-1) or a list of integers.
// `settings_section` names where a single value belongs, for messages.
std::vector<GridAxis> read_grid(const toml::table& grid, const std::string& file,
                                std::string_view settings_section);

// Whether one value of this setting is itself a list (model.hidden, reg.rowsum, ...), so that
// a grid axis over it is a list of lists. Taken from the schema's type description.
bool value_is_list(std::string_view key);

}  // namespace ns
