#include "engine/activation.hpp"

#include <numbers>
#include <unsupported/Eigen/SpecialFunctions>

namespace ns {

namespace {

template <class S>
auto logistic(const Mat<S>& z) {
  return (S(1) + (-z.array()).exp()).inverse();
}

// The photonic sigmoid is A2 - (A2 - A1) * s with s = logistic(-(x - X0) / D).
template <class S>
Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic> photonic_s(const Mat<S>& z) {
  using P = PhotonicSigmoid;
  return (S(1) + ((z.array() - S(P::X0)) / S(P::D)).exp()).inverse();
}

template <class S>
auto beyond_cut(const Mat<S>& z) {
  return z.array() > S(PhotonicSigmoid::kCut);
}

template <class S>
constexpr S inv_sqrt2() {
  return S(1) / std::numbers::sqrt2_v<S>;
}
template <class S>
constexpr S inv_sqrt2pi() {
  return std::numbers::inv_sqrtpi_v<S> * inv_sqrt2<S>();
}

}  // namespace

template <class S>
void activate(Activation f, const Mat<S>& z, Mat<S>& out) {
  using P = PhotonicSigmoid;
  out.resize(z.rows(), z.cols());
  auto o = out.array();
  switch (f) {
    case Activation::Sigmoid:
      o = logistic(z);
      break;
    case Activation::Tanh:
      o = z.array().tanh();
      break;
    case Activation::Relu:
      o = z.array().max(S(0));
      break;
    case Activation::Gelu:
      o = S(0.5) * z.array() * (S(1) + (z.array() * inv_sqrt2<S>()).erf());
      break;
    case Activation::Erf:
      o = z.array().erf();
      break;
    case Activation::PhotonicSigmoid:
      o = beyond_cut(z).select(S(P::A2), S(P::A2) - S(P::A2 - P::A1) * photonic_s(z));
      break;
  }
}

template <class S>
void activation_derivative(Activation f, const Mat<S>& z, Mat<S>& out) {
  using P = PhotonicSigmoid;
  out.resize(z.rows(), z.cols());
  auto o = out.array();
  switch (f) {
    case Activation::Sigmoid: {
      o = logistic(z);
      o = o * (S(1) - o);
      break;
    }
    case Activation::Tanh:
      o = S(1) - z.array().tanh().square();
      break;
    case Activation::Relu:
      o = (z.array() > S(0)).template cast<S>();
      break;
    case Activation::Gelu:  // Phi(x) + x phi(x)
      o = S(0.5) * (S(1) + (z.array() * inv_sqrt2<S>()).erf()) +
          z.array() * inv_sqrt2pi<S>() * (S(-0.5) * z.array().square()).exp();
      break;
    case Activation::Erf:
      o = S(2) * std::numbers::inv_sqrtpi_v<S> * (-z.array().square()).exp();
      break;
    case Activation::PhotonicSigmoid: {
      const auto s = photonic_s(z);
      o = beyond_cut(z).select(S(0), S((P::A2 - P::A1) / P::D) * s * (S(1) - s));
      break;
    }
  }
}

template <class S>
void activation_second_derivative(Activation f, const Mat<S>& z, Mat<S>& out) {
  using P = PhotonicSigmoid;
  out.resize(z.rows(), z.cols());
  auto o = out.array();
  switch (f) {
    case Activation::Sigmoid: {
      o = logistic(z);
      o = o * (S(1) - o) * (S(1) - S(2) * o);
      break;
    }
    case Activation::Tanh: {
      o = z.array().tanh();
      o = S(-2) * o * (S(1) - o.square());
      break;
    }
    case Activation::Relu:
      o.setZero();
      break;
    case Activation::Gelu:  // phi(x) (2 - x^2)
      o = inv_sqrt2pi<S>() * (S(-0.5) * z.array().square()).exp() * (S(2) - z.array().square());
      break;
    case Activation::Erf:
      o = S(-4) * std::numbers::inv_sqrtpi_v<S> * z.array() * (-z.array().square()).exp();
      break;
    case Activation::PhotonicSigmoid: {
      const auto s = photonic_s(z);
      o = beyond_cut(z).select(
          S(0), S(-(P::A2 - P::A1) / (P::D * P::D)) * s * (S(1) - s) * (S(1) - S(2) * s));
      break;
    }
  }
}

template <class S>
double activation_backward(Activation f, const Mat<S>& z, const Mat<S>* y, const Mat<S>& d_out, S c,
                           Mat<S>& f_prime, Mat<S>& f_second, Mat<S>& d_z) {
  if (f == Activation::Sigmoid && y && c == S(0)) {  // f' = y (1 - y): one pass, no exp
    const auto out = y->array();
    d_z = (d_out.array() * (out * (S(1) - out))).matrix();
    return 0;
  }
  // With the saturation term, f'' joins the sum; written as one pass from y, the compiler
  // contracts its multiplies and adds into FMAs differently, and the bits would depend on
  // whether a nonideality acted on y. So that case keeps the general path.
  activation_derivative(f, z, f_prime);
  d_z = (d_out.array() * f_prime.array()).matrix();
  if (c == S(0)) return 0;
  activation_second_derivative(f, z, f_second);
  d_z.array() += c * f_prime.array().sign() * f_second.array();
  return f_prime.template cast<double>().cwiseAbs().sum();
}

template void activate<float>(Activation, const Mat<float>&, Mat<float>&);
template void activate<double>(Activation, const Mat<double>&, Mat<double>&);
template void activation_derivative<float>(Activation, const Mat<float>&, Mat<float>&);
template void activation_derivative<double>(Activation, const Mat<double>&, Mat<double>&);
template void activation_second_derivative<float>(Activation, const Mat<float>&, Mat<float>&);
template void activation_second_derivative<double>(Activation, const Mat<double>&, Mat<double>&);
template double activation_backward<float>(Activation, const Mat<float>&, const Mat<float>*,
                                           const Mat<float>&, float, Mat<float>&, Mat<float>&,
                                           Mat<float>&);
template double activation_backward<double>(Activation, const Mat<double>&, const Mat<double>*,
                                            const Mat<double>&, double, Mat<double>&, Mat<double>&,
                                            Mat<double>&);

}  // namespace ns
