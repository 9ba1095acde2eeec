#pragma once
// The list of nonidealities. Settings, validation, `noisesweep settings`, training, evaluation,
// archives and reports all iterate over it; adding a kind is one file plus one line in
// registry.cpp.
#include <span>
#include <string>
#include <string_view>

#include "nonideality/nonideality.hpp"

namespace ns {

// In registry order, which is also the order in which combined kinds apply in training.
std::span<const NoiseKind> all_nonidealities();
// nullptr when no kind has this name.
NoiseKind find_nonideality(std::string_view name);
// Like find_nonideality, but an unknown name throws Error listing the known ones.
NoiseKind nonideality_named(std::string_view name);
int nonideality_index(NoiseKind kind);
// "'AddUnc', 'AddCor', ...", for messages.
std::string nonideality_names();

}  // namespace ns
