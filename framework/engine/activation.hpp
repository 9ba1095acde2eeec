#pragma once
// Hidden-layer activations f, with f' (backprop) and f'' (gradient of the saturation term,
// which penalises |f'(z)|). All work elementwise on whole matrices.
#include "config/run_config.hpp"
#include "engine/types.hpp"

namespace ns {

template <class S>
void activate(Activation f, const Mat<S>& z, Mat<S>& out);
template <class S>
void activation_derivative(Activation f, const Mat<S>& z, Mat<S>& out);
template <class S>
void activation_second_derivative(Activation f, const Mat<S>& z, Mat<S>& out);

// Constants of the photonic sigmoid (METHOD.md section 2):
// f(x) = A2 + (A1 - A2) / (1 + exp((x - X0) / D)), and f(x) = A2 for x > kCut.
struct PhotonicSigmoid {
  static constexpr double A1 = 0.06, A2 = 1.005, X0 = 0.145, D = 0.033, kCut = 20.0;
};

}  // namespace ns
