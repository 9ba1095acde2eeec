#pragma once
// The settings of the registered nonidealities, made from the registry, so that a new kind
// needs no row here:
//   train.noise.KIND        strength in noise-aware training (0: off)
//   eval.KIND.levels        its evaluation levels (default: the kind's own)
//   noise.KIND.layers       the weight layers it acts on (default: all it can)
//   noise.KIND.PARAMETER    its own parameters (e.g. noise.Drift.t0)
#include <vector>

#include "config/settings.hpp"

namespace ns {

std::vector<Setting> training_noise_settings();
std::vector<Setting> nonideality_settings();

}  // namespace ns
