#pragma once
// Which kernels compute the engine's large float products (engine/gemm.hpp). They are part of
// the numeric build (build_info.hpp): each BLIS configuration blocks its sums its own way, so
// each gives its own last bits, and Eigen others again.
#include <string>

namespace ns {

// Products whose three sides (rows, columns, inner dimension) are all at least this long run on
// BLIS; thinner ones (the 10-row output layer) on Eigen, which is faster there. Measured with
// `noisesweep bench`: at 10x300 by 300x128, Eigen 50-60 GFLOP/s, BLIS 16-50.
inline constexpr long kGemmBlisMinSide = 32;

struct GemmKernels {
  std::string blis_configuration;  // "skx", "haswell" or "zen3"; empty: Eigen for every product
  std::string why;                 // the rule that chose it, for `noisesweep bench` and --version
};

// Decided once per process. A fixed-ISA build pins the configuration (x86-64-v4: skx,
// x86-64-v3: haswell; x86-64 and -v2 have no BLIS kernels: Eigen), so that its results are the
// same on every CPU that runs it. A native build chooses by the CPU it runs on.
const GemmKernels& gemm_kernels();

// "BLIS 0.9.0 haswell kernels for products with every side >= 32, Eigen for the rest".
std::string gemm_description();

}  // namespace ns
