#pragma once
// The clean pass that converters and drift compensation calibrate on (LayerCalibration).
#include <vector>

#include "engine/parameters.hpp"
#include "nonideality/nonideality.hpp"

namespace ns {

// One LayerCalibration per weight layer, over the columns of x (inputs x samples). Blocks of a
// fixed size, so that no setting (eval.chunk) changes a sum's order.
template <class S>
std::vector<LayerCalibration> calibrate(const Parameters<S>& p, const Mat<S>& x);

}  // namespace ns
