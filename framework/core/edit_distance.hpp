#pragma once
// Levenshtein distance, for "did you mean ...?" suggestions on misspelt keys.
#include <cstddef>
#include <string_view>

namespace ns {

std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace ns
