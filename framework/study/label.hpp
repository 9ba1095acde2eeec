#pragma once
// Variant labels: names that a study gives its [[stage.variants]] for tables and legends.
#include <cstddef>
#include <string_view>

namespace ns {

// The pseudo-key under which labelled variants appear among a study's swept keys.
inline constexpr std::string_view kLabelKey = "label";
inline constexpr std::size_t kMaxLabelLength = 40;

}  // namespace ns
