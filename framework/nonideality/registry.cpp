#include "nonideality/registry.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace ns {

// Defined each in its own file of this folder.
extern const Nonideality kAddUnc, kAddCor, kMulUnc, kMulCor, kProgAdd, kProgMul, kReadAdd, kReadMul,
    kStuckOff, kStuckOn, kDrift, kDac, kAdc, kOutputNoise;

namespace {

// One line per kind. Within a layer, combined kinds apply in this order; the paper's four come
// first so that archives written before the registry keep their bits.
constexpr NoiseKind kRegistry[] = {
    &kAddUnc,       // activation noise (METHOD.md section 1), activation_noise.cpp
    &kAddCor,       //
    &kMulUnc,       //
    &kMulCor,       //
    &kProgAdd,      // programming noise, programming_noise.cpp
    &kProgMul,      //
    &kStuckOff,     // stuck-at faults, stuck_at.cpp
    &kStuckOn,      //
    &kDrift,        // conductance drift, drift.cpp
    &kDac,          // input quantisation, quantization.cpp
    &kReadAdd,      // read noise, read_noise.cpp
    &kReadMul,      //
    &kAdc,          // output quantisation, quantization.cpp
    &kOutputNoise,  // noise on the logits, output_noise.cpp
};

}  // namespace

std::span<const NoiseKind> all_nonidealities() {
  return kRegistry;
}

NoiseKind find_nonideality(std::string_view name) {
  for (NoiseKind k : kRegistry)
    if (k->name == name) return k;
  return nullptr;
}

NoiseKind nonideality_named(std::string_view name) {
  if (NoiseKind k = find_nonideality(name)) return k;
  throw Error(
      fmt::format("unknown nonideality '{}'; expected one of {}", name, nonideality_names()));
}

int nonideality_index(NoiseKind kind) {
  const auto found = std::find(std::begin(kRegistry), std::end(kRegistry), kind);
  if (found == std::end(kRegistry)) throw Error("a nonideality outside the registry");
  return int(found - std::begin(kRegistry));
}

std::string nonideality_names() {
  std::string out;
  for (NoiseKind k : kRegistry) out += fmt::format("{}'{}'", out.empty() ? "" : ", ", k->name);
  return out;
}

}  // namespace ns
