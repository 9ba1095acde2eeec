#pragma once
// The hardware noise model of METHOD.md section 1, for one hidden layer and one block of samples:
//   y = a * (1 + mu) * (1 + mc) + au + ac
// mu, au: one draw per (neuron, sample); mc, ac: one draw per sample, shared by the layer.
// Draws are generated up front and held, so the backward pass (and gradient checks) see exactly
// the draws of the forward pass.
#include "config/run_config.hpp"
#include "core/rng.hpp"
#include "engine/types.hpp"

namespace ns {

template <class S>
struct LayerNoise {
  Mat<S> mul_unc, add_unc;     // width x batch, or empty when that kind is off
  RowVec<S> mul_cor, add_cor;  // 1 x batch, or empty

  bool multiplicative() const { return mul_unc.size() > 0 || mul_cor.size() > 0; }
  bool any() const { return multiplicative() || add_unc.size() > 0 || add_cor.size() > 0; }

  // Fills the draws of the kinds with a positive variance. Draw addresses are absolute:
  // sample `first_sample + j`, neuron i uses counter (first_sample + j) * width + i of the kind's
  // stream, so any blocking of the samples gives the same numbers.
  void draw(const NoiseVariances& v, const rng::Stream& stream, int width, Index first_sample,
            Index batch);

  // x <- x * (1 + mu) * (1 + mc) + au + ac
  void apply(Mat<S>& x) const;
  // g <- g * (1 + mu) * (1 + mc): the backward rule; additive draws carry no gradient.
  void scale_gradient(Mat<S>& g) const;
};

}  // namespace ns
