#include "engine/gemm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <type_traits>

#include "core/error.hpp"
#include "core/gemm_kernels.hpp"
#include "engine/blis.hpp"

namespace ns::gemm {

namespace {

const std::optional<blis::Kernels>& engine_kernels() {
  static const std::optional<blis::Kernels> kernels =
      gemm_kernels().blis_configuration.empty()
          ? std::nullopt
          : std::optional<blis::Kernels>(std::in_place, gemm_kernels().blis_configuration);
  return kernels;
}

}  // namespace

template <class S>
void eigen_multiply(In<S> a, Op op_a, In<S> b, Op op_b, Out<S> c) {
  const bool ta = op_a == Op::Transposed, tb = op_b == Op::Transposed;
  if (!ta && !tb)
    c.noalias() = a * b;
  else if (!ta)
    c.noalias() = a * b.transpose();
  else if (!tb)
    c.noalias() = a.transpose() * b;
  else
    c.noalias() = a.transpose() * b.transpose();
}

bool uses_blis(Index m, Index n, Index k) {
  return engine_kernels().has_value() && std::min({m, n, k}) >= kGemmBlisMinSide;
}

template <class S>
void multiply(In<S> a, Op op_a, In<S> b, Op op_b, Out<S> c) {
  const bool ta = op_a == Op::Transposed, tb = op_b == Op::Transposed;
  const Index m = ta ? a.cols() : a.rows(), k = ta ? a.rows() : a.cols();
  const Index k_b = tb ? b.cols() : b.rows(), n = tb ? b.rows() : b.cols();
  if (k != k_b || c.rows() != m || c.cols() != n)
    throw Error(fmt::format("matrix product of mismatched shapes: {}x{}{} times {}x{}{} into {}x{}",
                            a.rows(), a.cols(), ta ? " transposed" : "", b.rows(), b.cols(),
                            tb ? " transposed" : "", c.rows(), c.cols()));
  if constexpr (std::is_same_v<S, float>) {
    if (uses_blis(m, n, k)) {
      engine_kernels()->sgemm(ta, tb, m, n, k, a.data(), a.outerStride(), b.data(), b.outerStride(),
                              c.data(), c.outerStride());
      return;
    }
  }
  eigen_multiply<S>(a, op_a, b, op_b, c);
}

template void eigen_multiply<float>(In<float>, Op, In<float>, Op, Out<float>);
template void eigen_multiply<double>(In<double>, Op, In<double>, Op, Out<double>);
template void multiply<float>(In<float>, Op, In<float>, Op, Out<float>);
template void multiply<double>(In<double>, Op, In<double>, Op, Out<double>);

}  // namespace ns::gemm
