#pragma once
// Shorthands for the engine's Eigen types. The engine is templated on the scalar: float32 is the
// fast path, float64 the reference that tests check gradients and the float32 path against.
#include <Eigen/Core>

namespace ns {

using Index = Eigen::Index;
template <class S>
using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;  // column-major
template <class S>
using Vec = Eigen::Matrix<S, Eigen::Dynamic, 1>;
template <class S>
using RowVec = Eigen::Matrix<S, 1, Eigen::Dynamic>;

}  // namespace ns
