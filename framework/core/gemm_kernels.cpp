#include "core/gemm_kernels.hpp"

#include <blis.h>
#include <fmt/format.h>

#include <string_view>

#include "core/build_info.hpp"

namespace ns {

namespace {

bool cpu_has_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}

bool cpu_has_avx2_fma() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

GemmKernels decide() {
  const std::string_view arch = NOISESWEEP_ARCH;
  if (arch.starts_with("native")) {
    // BLIS's own CPU detection is not used: BLIS 0.9 gives CPUs newer than its tables its
    // slower kernels (a Xeon with AVX-512 runs "haswell" at 107 GFLOP/s, "skx" at 144-174).
    if (!cpu_has_avx2_fma())
      return {"",
              "a native build on a CPU without AVX2 and FMA, for which BLIS has no fast "
              "kernels"};
    if (__builtin_cpu_is("amd"))
      return {"zen3",
              "a native build on an AMD CPU: on Zen 4, BLIS's AVX2 kernels measured "
              "faster (106 GFLOP/s) than its AVX-512 skx kernels (93)"};
    if (cpu_has_avx512()) return {"skx", "a native build on a CPU with AVX-512"};
    return {"haswell", "a native build on a CPU with AVX2 and FMA"};
  }
  const std::string isa = isa_level();
  if (isa == "x86-64-v4") return {"skx", "pinned by the x86-64-v4 build"};
  if (isa == "x86-64-v3") return {"haswell", "pinned by the x86-64-v3 build"};
  return {"", fmt::format("the {} build has no BLIS kernels: its instruction set lacks AVX2 "
                          "and FMA",
                          isa)};
}

}  // namespace

const GemmKernels& gemm_kernels() {
  static const GemmKernels chosen = decide();
  return chosen;
}

std::string gemm_description() {
  const GemmKernels& k = gemm_kernels();
  if (k.blis_configuration.empty()) return "Eigen for every product";
  return fmt::format("BLIS {} {} kernels for products with every side >= {}, Eigen for the rest",
                     bli_info_get_version_str(), k.blis_configuration, kGemmBlisMinSide);
}

}  // namespace ns
