#include "core/build_info.hpp"

#include <gnu/libc-version.h>
#include <hdf5.h>

#include <fmt/format.h>
#include <Eigen/Core>

#include "core/gemm_kernels.hpp"

namespace ns {

std::string program_version() {
  return NOISESWEEP_VERSION;
}

std::string compiler_version() {
#if defined(__clang__)
  return fmt::format("clang {}", __clang_version__);
#elif defined(__GNUC__)
  return fmt::format("gcc {}", __VERSION__);
#else
  return "unknown";
#endif
}

std::string eigen_version() {
  return fmt::format("{}.{}.{}", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION);
}

std::string hdf5_version() {
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  return fmt::format("{}.{}.{}", major, minor, release);
}

std::string isa_level() {
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512CD__) && \
    defined(__AVX512DQ__) && defined(__AVX512VL__)
  return "x86-64-v4";
#elif defined(__AVX2__) && defined(__FMA__) && defined(__BMI2__)
  return "x86-64-v3";
#elif defined(__SSE4_2__) && defined(__POPCNT__)
  return "x86-64-v2";
#else
  return "x86-64";
#endif
}

std::string numeric_build() {
  return fmt::format("{}; flags {} -march={}; ISA {}; Eigen {} ({}); GEMM {}; glibc {}",
                     compiler_version(), NOISESWEEP_CXX_FLAGS, NOISESWEEP_ARCH, isa_level(),
                     eigen_version(), Eigen::SimdInstructionSetsInUse(), gemm_description(),
                     gnu_get_libc_version());
}

}  // namespace ns
