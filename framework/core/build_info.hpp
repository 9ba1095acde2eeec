#pragma once
// What built this program, for the provenance recorded in every archive.
#include <string>

namespace ns {

const char* git_commit();  // the source tree's commit at build time, or "unknown"
bool git_dirty();          // whether tracked files differed from that commit
std::string program_version();
std::string compiler_version();
std::string eigen_version();
std::string hdf5_version();

// Everything that decides the bits of a result, as one line: the compiler, its flags, the
// instruction set the code was compiled for (a native build names the CPU it resolved to),
// Eigen's vectorisation, the GEMM kernels (core/gemm_kernels.hpp) and the C library (libm). Two
// builds with the same line compute the same bits from the same inputs; results of builds with
// different lines may differ in the last bits. Recorded in archives for every task (README,
// "Bitwise reproducibility").
std::string numeric_build();
std::string isa_level();  // the x86-64 level the compiled code needs: x86-64, -v2, -v3 or -v4

}  // namespace ns
