#pragma once
// Counter-based random numbers. A Stream is a 64-bit key; the n-th draw of a stream is a pure
// function of (key, n). Every random quantity in a run (init, split, shuffle, each noise draw)
// lives at a fixed (key, counter) address derived from the run seed, so results do not depend on
// chunking, thread count, rank count or the order in which work runs.
#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <string_view>

namespace ns::rng {

// SplitMix64's output function: a bijective, well-avalanched 64-bit mixer.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

// FNV-1a, used only to turn stream labels into numbers.
constexpr std::uint64_t hash_label(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

class Stream {
 public:
  constexpr explicit Stream(std::uint64_t key) : key_(mix64(key ^ 0x6a09e667f3bcc909ULL)) {}

  // Independent sub-streams, named by a label or an index.
  constexpr Stream child(std::string_view label) const { return Stream(key_ ^ hash_label(label)); }
  constexpr Stream child(std::uint64_t index) const {
    return Stream(key_ + mix64(index + kGolden));
  }

  // The counter-th 64 random bits of this stream (SplitMix64 at position `counter`).
  constexpr std::uint64_t bits(std::uint64_t counter) const {
    return mix64(key_ + (counter + 1) * kGolden);
  }
  constexpr std::uint64_t key() const { return key_; }

  // A uniform integer in [0, n) (Lemire's multiply-shift; bias below 2^-40 for our n).
  std::uint64_t below(std::uint64_t counter, std::uint64_t n) const {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(bits(counter)) * n) >> 64);
  }

 private:
  std::uint64_t key_;
};

// out[i] = uniform in [lo, hi) for draw counter base + i.
template <class Scalar>
void fill_uniform(const Stream& s, std::uint64_t base, Scalar* out, std::int64_t n, double lo,
                  double hi);

// Hands over the normals at addresses base .. base + n - 1, times stddev, block by block: each
// call consume(first, normals, count) gives normals[k] = the normal at base + first + k, and the
// calls cover 0 .. n - 1 in order. For callers that use each draw once, as it is made, without a
// matrix of draws. fill_normal is this, copied out.
using NormalBlockSink =
    std::function<void(std::int64_t first, const float* normals, std::int64_t count)>;
void for_each_normal_block(const Stream& s, std::uint64_t base, std::int64_t n, float stddev,
                           const NormalBlockSink& consume);

// out[i] = N(0, stddev^2), the normal at address base + i (Box-Muller; normals 2p and 2p + 1 come
// from the 64 bits at counter p). Computed in float32 and then converted, so the float32 engine
// and its float64 reference see the same noise.
template <class Scalar>
void fill_normal(const Stream& s, std::uint64_t base, Scalar* out, std::int64_t n, Scalar stddev);

// A uniformly random permutation of 0..n-1 (Fisher-Yates driven by the stream).
Eigen::VectorXi permutation(const Stream& s, int n);

}  // namespace ns::rng
