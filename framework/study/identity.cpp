// How tasks get their names and seeds: content hashes and seeds derived from the study seed.
#include <fmt/format.h>
#include <algorithm>
#include <cstring>

#include "core/rng.hpp"
#include "study/study.hpp"

namespace ns {

namespace {

// A second 64-bit hash built on mix64, unrelated to FNV-1a: the two together make accidental
// collisions between task ids (and so silently merged results) practically impossible.
std::uint64_t mix_hash(const std::string& text) {
  std::uint64_t h = rng::mix64(text.size() ^ 0x243f6a8885a308d3ULL);
  for (std::size_t at = 0; at < text.size(); at += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, text.data() + at, std::min<std::size_t>(8, text.size() - at));
    h = rng::mix64(h ^ word) + rng::kGolden;
  }
  return rng::mix64(h);
}

}  // namespace

std::string hash_hex(const std::string& text) {
  return fmt::format("{:016x}{:016x}", rng::hash_label(text), mix_hash(text));
}

std::uint64_t derive_seed(std::uint64_t study_seed, std::uint64_t axis_value) {
  // Two rounds, so that neighbouring study seeds and axis values land far apart. Dropping the
  // top two bits keeps the seed below 2^62: a TOML integer, with room to spare.
  return rng::mix64(rng::mix64(study_seed ^ 0x3c6ef372fe94f82bULL) +
                    (axis_value + 1) * rng::kGolden) >>
         2;
}

}  // namespace ns
