#pragma once
// One core's float32 peak: the rate of fused multiply-adds when nothing but the FMA units
// limits it. `noisesweep bench` sets the engine and the GEMM libraries against it.
#include <string>

namespace ns {

struct FmaPeak {
  double gflops = 0;  // 2 FLOPs per lane and FMA
  std::string isa;    // "AVX-512", "AVX2+FMA", or "SSE2 (no FMA)": the widest this CPU runs
  int chains = 0;     // independent chains of dependent FMAs in flight
};

// Measures for about `seconds` (best of many short samples; see core/best_rate.hpp).
FmaPeak measure_fma_peak(double seconds = 0.2);

}  // namespace ns
