#pragma once
// Forward and backward passes of the MLP with hardware nonidealities and the regularised loss.
// Layer l: x^ = input hooks(x); z = product hooks(W~ x^) + b; then, on hidden layers,
// y = f(z) with the scale and shift hooks before or after f; on the output layer, the scale and
// shift hooks act on the logits. W~ = the weight hooks applied to W (per chip).
#include <vector>

#include "engine/noise.hpp"
#include "engine/parameters.hpp"
#include "engine/regularizers.hpp"

namespace ns {

// Buffers reused from batch to batch. The forward pass keeps exactly what the backward needs.
template <class S>
struct Workspace {
  std::vector<Mat<S>> act_in;  // hidden l: the argument of f (z, or noisy z when noise is before f)
  std::vector<Mat<S>> out;     // layer l's output: the noisy activation y, or the logits;
                               // a nonideality on the input of layer l + 1 (DAC) acts in place
  Mat<S> input;                // the first layer's input, when a nonideality changes it
  Parameters<S> chip;          // the weights as programmed, when a nonideality changes them
  Mat<S> d_out, d_z, f_prime, f_second;  // backward scratch
};

// Runs x (inputs x batch) through the network; the logits end in ws.out.back().
template <class S>
const Mat<S>& forward(const Parameters<S>& p, const Mat<S>& x, const NetworkNoise<S>* noise,
                      Workspace<S>& ws);

struct LossParts {
  double total = 0, cross_entropy = 0, saturation = 0, weight_penalties = 0;
  Index correct = 0;  // correctly classified samples of the batch
};

// Regularised loss of one batch and its gradient, written (not accumulated) into `grad`.
template <class S>
LossParts loss_and_gradient(const Parameters<S>& p, const RegTerms& reg, const Mat<S>& x,
                            const Eigen::Ref<const Eigen::VectorXi>& labels,
                            const NetworkNoise<S>* noise, Parameters<S>& grad, Workspace<S>& ws);

// The same loss without the gradient (finite-difference checks, validation loss).
template <class S>
LossParts loss_only(const Parameters<S>& p, const RegTerms& reg, const Mat<S>& x,
                    const Eigen::Ref<const Eigen::VectorXi>& labels, const NetworkNoise<S>* noise,
                    Workspace<S>& ws);

}  // namespace ns
