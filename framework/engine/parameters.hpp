#pragma once
// All weights and biases of a network in ONE buffer, with named views per layer, so that the
// optimiser, gradient zeroing, saving and loading each handle a single vector.
#include "core/rng.hpp"
#include "engine/architecture.hpp"

namespace ns {

template <class S>
class Parameters {
 public:
  Parameters() = default;
  explicit Parameters(const Architecture& arch)
      : arch_(arch), flat_(Vec<S>::Zero(arch.parameter_count())) {}

  const Architecture& arch() const { return arch_; }
  Vec<S>& flat() { return flat_; }
  const Vec<S>& flat() const { return flat_; }

  // W_l: out x in; row i holds the weights into neuron i.
  Eigen::Map<Mat<S>> w(int l) {
    return {flat_.data() + arch_.weight_offset(l), arch_.out(l), arch_.in(l)};
  }
  Eigen::Map<const Mat<S>> w(int l) const {
    return {flat_.data() + arch_.weight_offset(l), arch_.out(l), arch_.in(l)};
  }
  Eigen::Map<Vec<S>> b(int l) { return {flat_.data() + arch_.bias_offset(l), arch_.out(l)}; }
  Eigen::Map<const Vec<S>> b(int l) const {
    return {flat_.data() + arch_.bias_offset(l), arch_.out(l)};
  }

  template <class T>
  Parameters<T> cast() const {
    Parameters<T> p(arch_);
    p.flat() = flat_.template cast<T>();
    return p;
  }

 private:
  Architecture arch_;
  Vec<S> flat_;
};

// PyTorch's nn.Linear default: weights and biases uniform in +-1/sqrt(fan_in).
template <class S>
Parameters<S> init_parameters(const Architecture& arch, const rng::Stream& stream) {
  Parameters<S> p(arch);
  for (int l = 0; l < arch.layers(); ++l) {
    const double bound = 1.0 / std::sqrt(double(arch.in(l)));
    const rng::Stream layer = stream.child(std::uint64_t(l));
    rng::fill_uniform(layer.child("W"), 0, p.w(l).data(), p.w(l).size(), -bound, bound);
    rng::fill_uniform(layer.child("b"), 0, p.b(l).data(), p.b(l).size(), -bound, bound);
  }
  return p;
}

}  // namespace ns
