#include "engine/noise.hpp"

#include <cmath>

namespace ns {

namespace {

template <class Dense>
void draw_normal(Dense& out, Index rows, Index cols, double variance, const rng::Stream& stream,
                 Index first_sample) {
  using S = typename Dense::Scalar;
  out.resize(rows, cols);
  rng::fill_normal(stream, std::uint64_t(first_sample * rows), out.data(), out.size(),
                   S(std::sqrt(variance)));
}

}  // namespace

template <class S>
void LayerNoise<S>::draw(const NoiseVariances& v, const rng::Stream& stream, int width,
                         Index first_sample, Index batch) {
  auto one = [&](NoiseKind kind, auto& target, Index rows) {
    if (v[kind] > 0)
      draw_normal(target, rows, batch, v[kind], stream.child(to_string(kind)), first_sample);
    else
      target.resize(0, 0);
  };
  one(NoiseKind::MulUnc, mul_unc, width);
  one(NoiseKind::MulCor, mul_cor, 1);
  one(NoiseKind::AddUnc, add_unc, width);
  one(NoiseKind::AddCor, add_cor, 1);
}

template <class S>
void LayerNoise<S>::scale_gradient(Mat<S>& g) const {
  if (mul_unc.size() > 0) g.array() *= S(1) + mul_unc.array();
  if (mul_cor.size() > 0) g.array().rowwise() *= (S(1) + mul_cor.array());
}

template <class S>
void LayerNoise<S>::apply(Mat<S>& x) const {
  scale_gradient(x);  // the multiplicative factor is the same one
  if (add_unc.size() > 0) x += add_unc;
  if (add_cor.size() > 0) x.rowwise() += add_cor;
}

template struct LayerNoise<float>;
template struct LayerNoise<double>;

}  // namespace ns
