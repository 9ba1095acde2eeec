#pragma once
// The engine's matrix products, C = op(A) op(B), in one place. Float products whose sides are
// all at least kGemmBlisMinSide run on the BLIS kernels this build chose (core/gemm_kernels.hpp);
// thin float products and every double product (the float64 reference) run on Eigen, which the
// tests also use as the oracle of this function.
#include "engine/types.hpp"

namespace ns::gemm {

enum class Op { Plain, Transposed };

template <class S>
using In = Eigen::Ref<const Mat<S>>;
template <class S>
using Out = Eigen::Ref<Mat<S>>;

// c = op(a) op(b); c has the product's shape and overlaps neither operand. Throws on operands
// whose shapes do not multiply.
template <class S>
void multiply(In<S> a, Op op_a, In<S> b, Op op_b, Out<S> c);

// The same into a matrix sized to the product.
template <class S>
void multiply(In<S> a, Op op_a, In<S> b, Op op_b, Mat<S>& c) {
  c.resize(op_a == Op::Plain ? a.rows() : a.cols(), op_b == Op::Plain ? b.cols() : b.rows());
  multiply<S>(a, op_a, b, op_b, Out<S>(c));
}

// The same product on Eigen alone: multiply()'s path for thin and double products, and the
// Eigen column of `noisesweep bench`.
template <class S>
void eigen_multiply(In<S> a, Op op_a, In<S> b, Op op_b, Out<S> c);

// Whether multiply() runs a float product of these sides on BLIS here.
bool uses_blis(Index m, Index n, Index k);

}  // namespace ns::gemm
