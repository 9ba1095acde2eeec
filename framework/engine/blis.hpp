#pragma once
// BLIS's float GEMM with the kernels of one named configuration, chosen per call. BLIS is
// linked statically from Debian's single-threaded build (framework/CMakeLists.txt): its kernels
// are part of this program, whatever BLIS the system later selects, and a call opens no thread
// team. The engine's own threads may call it at once: BLIS guards its memory pools with mutexes.
#include <string>
#include <string_view>
#include <vector>

#include "engine/types.hpp"

namespace ns::blis {

class Kernels {
 public:
  // Throws when this BLIS was built without `configuration` ("skx", "haswell", "zen3", ...).
  explicit Kernels(std::string_view configuration);

  // C (m x n) = op(A) op(B), column-major with leading dimensions lda, ldb, ldc, on this thread.
  // C must not overlap A or B.
  void sgemm(bool transpose_a, bool transpose_b, Index m, Index n, Index k, const float* a,
             Index lda, const float* b, Index ldb, float* c, Index ldc) const;

  const std::string& configuration() const { return configuration_; }

 private:
  std::string configuration_;
  void* context_;  // BLIS's cntx_t of the configuration, owned by BLIS for the process
};

std::string version();  // "0.9.0"

// The configurations whose kernels this CPU can run and that are worth measuring here: skx with
// AVX-512; haswell and zen3 (AVX2 kernels, blocked for Intel and for AMD caches) with AVX2+FMA.
std::vector<std::string> configurations_for_this_cpu();

}  // namespace ns::blis
