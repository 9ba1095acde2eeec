#include "core/rng.hpp"

#include <algorithm>
#include <numbers>

namespace ns::rng {

namespace {
constexpr std::int64_t kChunk = 2048;
constexpr float kTwoPow24 = 1.0f / 16777216.0f;
}  // namespace

template <class Scalar>
void fill_uniform(const Stream& s, std::uint64_t base, Scalar* out, std::int64_t n, double lo,
                  double hi) {
  // 53 random bits per value, so float64 users get a full-precision uniform.
  const double scale = (hi - lo) / 9007199254740992.0;
  for (std::int64_t i = 0; i < n; ++i)
    out[i] = static_cast<Scalar>(lo + static_cast<double>(s.bits(base + i) >> 11) * scale);
}

void for_each_normal_block(const Stream& s, std::uint64_t base, std::int64_t n, float stddev,
                           const NormalBlockSink& consume) {
  // Box-Muller on pairs: the 64 bits at counter p give normals 2p (cosine branch) and 2p + 1
  // (sine branch), so one logarithm serves two draws and every normal keeps a fixed address.
  //
  // Eigen computes log, sin and cos with SIMD polynomials, but falls back to libm for elements
  // outside whole, aligned packets, and the two round differently. Working in aligned buffers
  // padded to whole packets keeps every draw on the SIMD path, so a draw's value depends only on
  // its address, never on how a range was split.
  constexpr std::int64_t kPacket = 16;
  alignas(64) float radius[kChunk];
  alignas(64) float angle[kChunk];
  alignas(64) float sine[kChunk];
  alignas(64) float block[2 * kChunk];  // the chunk's normals in address order
  const std::uint64_t first_pair = base / 2;
  const std::int64_t skip = static_cast<std::int64_t>(base % 2);  // base is a sine branch
  const std::int64_t pairs = (skip + n + 1) / 2;
  for (std::int64_t start = 0; start < pairs; start += kChunk) {
    const std::int64_t m = std::min(kChunk, pairs - start);
    const std::int64_t padded = (m + kPacket - 1) / kPacket * kPacket;
    // Plain loop over independent counters: the compiler vectorises the 64-bit mixing.
    for (std::int64_t i = 0; i < m; ++i) {
      const std::uint64_t b = s.bits(first_pair + start + i);
      radius[i] = static_cast<float>((b >> 40) + 1) * kTwoPow24;   // (0, 1]: log stays finite
      angle[i] = static_cast<float>(b & 0xffffffULL) * kTwoPow24;  // [0, 1)
    }
    std::fill(radius + m, radius + padded, 1.0f);
    std::fill(angle + m, angle + padded, 0.0f);
    Eigen::Map<Eigen::ArrayXf, Eigen::Aligned64> r(radius, padded), a(angle, padded),
        sn(sine, padded);
    a *= 2.0f * std::numbers::pi_v<float>;
    r = (-2.0f * r.log()).sqrt() * stddev;
    sn = r * a.sin();
    r *= a.cos();
    // Cosine branches to even places, sine branches to odd ones.
    for (std::int64_t i = 0; i < m; ++i) {
      block[2 * i] = radius[i];
      block[2 * i + 1] = sine[i];
    }
    // The block holds outputs first_out .. first_out + 2m - 1; the range's ends clip it.
    const std::int64_t first_out = 2 * start - skip;
    const std::int64_t lo = std::max<std::int64_t>(first_out, 0);
    const std::int64_t hi = std::min<std::int64_t>(first_out + 2 * m, n);
    consume(lo, block + (lo - first_out), hi - lo);
  }
}

template <class Scalar>
void fill_normal(const Stream& s, std::uint64_t base, Scalar* out, std::int64_t n, Scalar stddev) {
  for_each_normal_block(s, base, n, static_cast<float>(stddev),
                        [out](std::int64_t first, const float* normals, std::int64_t count) {
                          for (std::int64_t k = 0; k < count; ++k)
                            out[first + k] = static_cast<Scalar>(normals[k]);
                        });
}

Eigen::VectorXi permutation(const Stream& s, int n) {
  Eigen::VectorXi p(n);
  for (int i = 0; i < n; ++i) p[i] = i;
  for (int i = n - 1; i > 0; --i)
    std::swap(p[i], p[static_cast<int>(s.below(static_cast<std::uint64_t>(i), i + 1))]);
  return p;
}

template void fill_uniform<float>(const Stream&, std::uint64_t, float*, std::int64_t, double,
                                  double);
template void fill_uniform<double>(const Stream&, std::uint64_t, double*, std::int64_t, double,
                                   double);
template void fill_normal<float>(const Stream&, std::uint64_t, float*, std::int64_t, float);
template void fill_normal<double>(const Stream&, std::uint64_t, double*, std::int64_t, double);

}  // namespace ns::rng
