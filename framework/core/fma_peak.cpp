#include "core/fma_peak.hpp"

#include <immintrin.h>

#include <cstdint>

#include "core/best_rate.hpp"

// The AVX-512 and AVX2 loops are compiled for their instruction sets by target attributes, so
// that this file needs no -march of its own: each runs only when the CPU reports its features.
//
// Why many chains: an FMA's result is ready only after its latency (4 cycles on Skylake-X and
// Zen 4), and each cycle the core can start one or two new FMAs (its FMA throughput). One chain
// of dependent FMAs, acc = acc * m + c, therefore starts one FMA every 4 cycles: a quarter to an
// eighth of the peak. The peak needs at least latency x throughput independent chains in flight:
// 4 x 2 = 8 with two FMA units (Skylake-X's AVX-512; Zen 4's AVX2), 4 x 1 = 4 for Zen 4's
// AVX-512, whose 512-bit FMA takes both of its 256-bit units. 12 leaves room for longer
// latencies and still fits in the registers (12 accumulators and 2 constants of AVX2's 16).
// With m < 1, acc converges to c / (1 - m): no overflow, and no subnormals, which some cores run
// slowly.

namespace ns {

namespace {

constexpr int kChains = 12;

// Each returns the sum of its accumulators, which the caller keeps, so that the compiler cannot
// drop the loop.
__attribute__((target("avx512f"))) float chains_avx512(std::int64_t n) {
  __m512 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_ps(0.01f * float(j));
  const __m512 m = _mm512_set1_ps(0.999f), c = _mm512_set1_ps(1e-3f);
  for (std::int64_t i = 0; i < n; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_fmadd_ps(acc[j], m, c);
  }
  __m512 sum = acc[0];
  for (int j = 1; j < kChains; ++j) sum = _mm512_add_ps(sum, acc[j]);
  float lanes[16];
  _mm512_storeu_ps(lanes, sum);
  float total = 0;
  for (float x : lanes) total += x;
  return total;
}

__attribute__((target("avx2,fma"))) float chains_avx2(std::int64_t n) {
  __m256 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm256_set1_ps(0.01f * float(j));
  const __m256 m = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(1e-3f);
  for (std::int64_t i = 0; i < n; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) acc[j] = _mm256_fmadd_ps(acc[j], m, c);
  }
  __m256 sum = acc[0];
  for (int j = 1; j < kChains; ++j) sum = _mm256_add_ps(sum, acc[j]);
  float lanes[8];
  _mm256_storeu_ps(lanes, sum);
  float total = 0;
  for (float x : lanes) total += x;
  return total;
}

// Every x86-64 CPU: a multiply and an add (2 FLOPs) per lane in place of an FMA.
float chains_sse2(std::int64_t n) {
  __m128 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm_set1_ps(0.01f * float(j));
  const __m128 m = _mm_set1_ps(0.999f), c = _mm_set1_ps(1e-3f);
  for (std::int64_t i = 0; i < n; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) acc[j] = _mm_add_ps(_mm_mul_ps(acc[j], m), c);
  }
  __m128 sum = acc[0];
  for (int j = 1; j < kChains; ++j) sum = _mm_add_ps(sum, acc[j]);
  float lanes[4];
  _mm_storeu_ps(lanes, sum);
  float total = 0;
  for (float x : lanes) total += x;
  return total;
}

}  // namespace

FmaPeak measure_fma_peak(double seconds) {
  float (*chains)(std::int64_t) = chains_sse2;
  FmaPeak peak{.gflops = 0, .isa = "SSE2 (no FMA)", .chains = kChains};
  int lanes = 4;
  if (__builtin_cpu_supports("avx512f")) {
    chains = chains_avx512, peak.isa = "AVX-512", lanes = 16;
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    chains = chains_avx2, peak.isa = "AVX2+FMA", lanes = 8;
  }
  volatile float keep = 0;
  const double iterations_per_s =
      best_rate([&](std::int64_t n) { keep = keep + chains(n); }, seconds, 1e-3);
  peak.gflops = iterations_per_s * kChains * lanes * 2 / 1e9;
  return peak;
}

}  // namespace ns
