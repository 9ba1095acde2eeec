#pragma once
// Single-threaded float GEMM at the engine's products through the libraries the engine could
// use: Eigen, BLIS (its native API, each configuration this CPU runs) and OpenBLAS (its CBLAS
// interface, loaded at run time). `noisesweep bench` sets their rates against the core's FMA
// peak, next to the engine's own choice (engine/gemm.hpp).
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.hpp"
#include "engine/architecture.hpp"
#include "engine/types.hpp"

namespace ns::gemm {

// One product of the engine: C (m x n) = op(A) op(B) with inner dimension k, all column-major.
// A is stored m x k, or k x m when transposed; B k x n, or n x k when transposed.
struct Product {
  std::string what;      // where the engine computes it
  bool training = true;  // a product of a training step, else of a noisy-evaluation block
  Index m = 0, n = 0, k = 0;
  bool transpose_a = false, transpose_b = false;

  double flops() const { return 2.0 * double(m) * double(n) * double(k); }
  Index a_rows() const { return transpose_a ? k : m; }
  Index a_cols() const { return transpose_a ? m : k; }
  Index b_rows() const { return transpose_b ? n : k; }
  Index b_cols() const { return transpose_b ? k : n; }
  // The stored operands: "300x784 * 784x128", "(300x300)^T * 300x128".
  std::string operands() const;
};

// The products of one training step on `batch` samples (engine/network.cpp: every layer's
// forward product and weight gradient, and the input gradient of every layer but the first),
// then those of one noisy-evaluation block of `block` samples past the clean first layer
// (nonideality/activation_noise.cpp, evaluate_fast).
std::vector<Product> network_products(const Architecture& arch, Index batch, Index block);

// Operands of `product` drawn uniformly from [-1, 1].
struct Operands {
  Mat<float> a, b;
};
Operands random_operands(const Product& product, const rng::Stream& stream);

// C = op(A) op(B) on one thread, overwriting C (m x n, leading dimension m).
using Multiply = std::function<void(const Product&, const float* a, const float* b, float* c)>;

struct Library {
  std::string name;     // short, for a table's column: "Eigen", "BLIS zen3", "OpenBLAS"
  std::string detail;   // its version and how its kernels were chosen
  std::string missing;  // why it cannot run here; empty when it can
  Multiply multiply;
};

Library eigen_library();
// The kernels of one BLIS configuration ("skx", "haswell", "zen3"), chosen per call.
Library blis_library(const std::string& configuration);
// OpenBLAS from libopenblas.so.0, loaded at the first call (see gemm_libraries.cpp for why it
// is not linked). Its kernels: OPENBLAS_CORETYPE's when set, else those of this CPU's
// instruction set, as the PyTorch peer of `noisesweep bench` chooses them.
Library openblas_library();
// The engine's own products (engine/gemm.hpp): BLIS's chosen kernels, or Eigen for thin ones.
Library engine_library();

// GFLOP/s of `library` at `product`: best of short samples over about `seconds`.
double gflops(const Library& library, const Product& product, double seconds);

}  // namespace ns::gemm
