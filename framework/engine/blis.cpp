#include "engine/blis.hpp"

#include <blis.h>
#include <fmt/format.h>

#include <utility>

#include "core/error.hpp"

namespace ns::blis {

namespace {

// The configurations this build of BLIS holds (blis.h's BLIS_CONFIG_* for x86-64).
arch_t configuration_id(std::string_view name) {
  const std::pair<std::string_view, arch_t> built[] = {
#ifdef BLIS_CONFIG_SKX
      {"skx", BLIS_ARCH_SKX},
#endif
#ifdef BLIS_CONFIG_HASWELL
      {"haswell", BLIS_ARCH_HASWELL},
#endif
#ifdef BLIS_CONFIG_ZEN3
      {"zen3", BLIS_ARCH_ZEN3},
#endif
#ifdef BLIS_CONFIG_ZEN2
      {"zen2", BLIS_ARCH_ZEN2},
#endif
#ifdef BLIS_CONFIG_ZEN
      {"zen", BLIS_ARCH_ZEN},
#endif
      {"generic", BLIS_ARCH_GENERIC},
  };
  for (const auto& [config, id] : built)
    if (config == name) return id;
  throw Error(fmt::format("BLIS {} has no kernels of configuration \"{}\"",
                          bli_info_get_version_str(), name));
}

// bli_init() registers a context (kernels and block sizes) for every configuration built into
// BLIS, not only for the one its CPU detection picks; a context passed to bli_sgemm_ex selects
// the kernels of that call. (The lookup is BLIS's internal gks API, reachable because BLIS is
// linked statically; the documented alternative, BLIS_ARCH_TYPE, fixes one configuration for a
// whole process.)
void* lookup_context(arch_t id) {
  static const bool initialised = (bli_init(), true);
  (void)initialised;
  return bli_gks_lookup_nat_cntx(id);
}

}  // namespace

Kernels::Kernels(std::string_view configuration)
    : configuration_(configuration), context_(lookup_context(configuration_id(configuration))) {
  if (!context_)
    throw Error(fmt::format("BLIS {} registered no context for configuration \"{}\"",
                            bli_info_get_version_str(), configuration));
}

void Kernels::sgemm(bool transpose_a, bool transpose_b, Index m, Index n, Index k, const float* a,
                    Index lda, const float* b, Index ldb, float* c, Index ldc) const {
  float one = 1, zero = 0;
  // Column-major: row stride 1, column stride the leading dimension. BLIS 0.9's prototypes
  // take the inputs as non-const; it does not write them.
  bli_sgemm_ex(transpose_a ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE,
               transpose_b ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, m, n, k, &one,
               const_cast<float*>(a), 1, lda, const_cast<float*>(b), 1, ldb, &zero, c, 1, ldc,
               static_cast<cntx_t*>(context_), nullptr);
}

std::string version() {
  return bli_info_get_version_str();
}

std::vector<std::string> configurations_for_this_cpu() {
  std::vector<std::string> configs;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    configs = {"haswell", "zen3"};
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    configs.push_back("skx");
  return configs;
}

}  // namespace ns::blis
