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

// The backward pass through f for one block: d_z = d_out o f'(z) + c sign(f'(z)) o f''(z), the
// second term being the saturation term's gradient (c = 0 leaves it out). `y` is f(z) as the
// forward pass computed it, or nullptr when a nonideality changed it since; given y and c = 0,
// the sigmoid (the paper's activation) runs in one pass without an exp, with the same bits.
// Otherwise f' and f'' go through the scratch matrices. Returns sum |f'(z)| over the block, the
// saturation term's value before its coefficient, when c != 0; else 0.
template <class S>
double activation_backward(Activation f, const Mat<S>& z, const Mat<S>* y, const Mat<S>& d_out, S c,
                           Mat<S>& f_prime, Mat<S>& f_second, Mat<S>& d_z);

// Constants of the photonic sigmoid (METHOD.md section 2):
// f(x) = A2 + (A1 - A2) / (1 + exp((x - X0) / D)), and f(x) = A2 for x > kCut.
struct PhotonicSigmoid {
  static constexpr double A1 = 0.06, A2 = 1.005, X0 = 0.145, D = 0.033, kCut = 20.0;
};

}  // namespace ns
