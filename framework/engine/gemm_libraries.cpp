#include "engine/gemm_libraries.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <cstdlib>

#include "core/best_rate.hpp"
#include "core/gemm_kernels.hpp"
#include "engine/blis.hpp"
#include "engine/gemm.hpp"

namespace ns::gemm {

std::string Product::operands() const {
  auto stored = [](Index rows, Index cols, bool transposed) {
    return transposed ? fmt::format("({}x{})^T", rows, cols) : fmt::format("{}x{}", rows, cols);
  };
  return stored(a_rows(), a_cols(), transpose_a) + " * " + stored(b_rows(), b_cols(), transpose_b);
}

std::vector<Product> network_products(const Architecture& arch, Index batch, Index block) {
  std::vector<Product> products;
  const int layers = arch.layers();
  // Forward: z_l = W_l x_l, with W_l out x in and x_l in x batch.
  for (int l = 0; l < layers; ++l)
    products.push_back({.what = fmt::format("forward, layer {}", l + 1),
                        .m = arch.out(l),
                        .n = batch,
                        .k = arch.in(l)});
  // Backward, last layer first: dW_l = dz_l x_l^T, then dx_l = W_l^T dz_l (none for l = 0).
  for (int l = layers - 1; l >= 0; --l) {
    products.push_back({.what = fmt::format("weight gradient, layer {}", l + 1),
                        .m = arch.out(l),
                        .n = arch.in(l),
                        .k = batch,
                        .transpose_b = true});
    if (l > 0)
      products.push_back({.what = fmt::format("input gradient, layer {}", l + 1),
                          .m = arch.in(l),
                          .n = batch,
                          .k = arch.out(l),
                          .transpose_a = true});
  }
  // Noisy evaluation: every layer after the first, on a block of samples.
  for (int l = 1; l < layers; ++l)
    products.push_back({.what = fmt::format("forward, layer {}", l + 1),
                        .training = false,
                        .m = arch.out(l),
                        .n = block,
                        .k = arch.in(l)});
  return products;
}

Operands random_operands(const Product& p, const rng::Stream& stream) {
  Operands o{Mat<float>(p.a_rows(), p.a_cols()), Mat<float>(p.b_rows(), p.b_cols())};
  rng::fill_uniform(stream.child("A"), 0, o.a.data(), o.a.size(), -1.0, 1.0);
  rng::fill_uniform(stream.child("B"), 0, o.b.data(), o.b.size(), -1.0, 1.0);
  return o;
}

// ---- Eigen: maps of the operands, as the engine multiplies maps of its parameter buffer.

Library eigen_library() {
  return {.name = "Eigen",
          .detail = fmt::format("Eigen {}.{}.{}, as the engine calls it", EIGEN_WORLD_VERSION,
                                EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION),
          .missing = {},
          .multiply = [](const Product& p, const float* a, const float* b, float* c) {
            const Eigen::Map<const Mat<float>> A(a, p.a_rows(), p.a_cols()),
                B(b, p.b_rows(), p.b_cols());
            Eigen::Map<Mat<float>> C(c, p.m, p.n);
            gemm::eigen_multiply<float>(A, p.transpose_a ? Op::Transposed : Op::Plain, B,
                                        p.transpose_b ? Op::Transposed : Op::Plain, C);
          }};
}

// ---- BLIS: its native typed API, with one configuration's kernels.

Library blis_library(const std::string& configuration) {
  const blis::Kernels kernels(configuration);
  return {.name = "BLIS " + configuration,
          .detail = fmt::format("BLIS {}, the kernels of its configuration {}", blis::version(),
                                configuration),
          .missing = {},
          .multiply = [kernels](const Product& p, const float* a, const float* b, float* c) {
            kernels.sgemm(p.transpose_a, p.transpose_b, p.m, p.n, p.k, a, p.a_rows(), b, p.b_rows(),
                          c, p.m);
          }};
}

Library engine_library() {
  return {.name = "engine",
          .detail = fmt::format("noisesweep's products: {}", gemm_description()),
          .missing = {},
          .multiply = [](const Product& p, const float* a, const float* b, float* c) {
            const Eigen::Map<const Mat<float>> A(a, p.a_rows(), p.a_cols()),
                B(b, p.b_rows(), p.b_cols());
            Eigen::Map<Mat<float>> C(c, p.m, p.n);
            gemm::multiply<float>(A, p.transpose_a ? Op::Transposed : Op::Plain, B,
                                  p.transpose_b ? Op::Transposed : Op::Plain, C);
          }};
}

// ---- OpenBLAS, loaded at run time.
//
// BLIS and OpenBLAS both export the BLAS and CBLAS names (sgemm_, cblas_sgemm, ...): a program
// linked with both would bind those names to whichever library the loader finds first. BLIS is
// linked and called through its own bli_ names; OpenBLAS is opened with RTLD_LOCAL, so its names
// stay out of the global scope, and cblas_sgemm is looked up in its handle, which finds
// OpenBLAS's own. Its GEMM path calls only its own internal kernels, not names BLIS also has.

namespace {

// The CBLAS standard's values (cblas.h: CblasColMajor, CblasNoTrans, CblasTrans).
constexpr int kColMajor = 102, kNoTrans = 111, kTrans = 112;

struct OpenBlas {
  using Sgemm = void (*)(int order, int transa, int transb, int m, int n, int k, float alpha,
                         const float* a, int lda, const float* b, int ldb, float beta, float* c,
                         int ldc);
  Sgemm sgemm = nullptr;
  std::string version, core, core_source, missing;
};

// Sets an environment variable for its lifetime, unless it is set already.
class EnvironmentDefault {
 public:
  EnvironmentDefault(const char* name, const char* value) : name_(name) {
    if (value && !std::getenv(name)) set_ = setenv(name, value, 0) == 0;
  }
  ~EnvironmentDefault() {
    if (set_) unsetenv(name_);
  }
  EnvironmentDefault(const EnvironmentDefault&) = delete;
  EnvironmentDefault& operator=(const EnvironmentDefault&) = delete;
  bool set() const { return set_; }

 private:
  const char* name_;
  bool set_ = false;
};

// The OpenBLAS kernels of this CPU's instruction set (tests/perf/torch_peer.py chooses alike).
// OpenBLAS's own choice goes by CPU model, and falls back to SSE3 kernels on CPUs newer than
// its tables (0.3.21 on Zen 4).
const char* openblas_core_for_this_cpu() {
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512cd"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  if (__builtin_cpu_supports("avx")) return "SandyBridge";
  return nullptr;
}

const OpenBlas& openblas() {
  static const OpenBlas loaded = [] {
    OpenBlas o;
    void* handle = nullptr;
    {
      // OpenBLAS reads both when it loads. They are set only meanwhile, so that child processes
      // started later (the PyTorch peer) see the environment as it was.
      const EnvironmentDefault core("OPENBLAS_CORETYPE", openblas_core_for_this_cpu());
      const EnvironmentDefault threads("OPENBLAS_NUM_THREADS", "1");
      o.core_source = core.set() ? "this CPU's instruction set"
                      : std::getenv("OPENBLAS_CORETYPE")
                          ? fmt::format("OPENBLAS_CORETYPE={}", std::getenv("OPENBLAS_CORETYPE"))
                          : "its own detection";
      handle = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    }
    if (!handle) {
      o.missing = fmt::format("cannot load libopenblas.so.0 ({}); Debian: apt install libopenblas0",
                              dlerror());
      return o;
    }
    o.sgemm = reinterpret_cast<OpenBlas::Sgemm>(dlsym(handle, "cblas_sgemm"));
    const auto set_threads =
        reinterpret_cast<void (*)(int)>(dlsym(handle, "openblas_set_num_threads"));
    const auto config = reinterpret_cast<char* (*)()>(dlsym(handle, "openblas_get_config"));
    const auto core = reinterpret_cast<char* (*)()>(dlsym(handle, "openblas_get_corename"));
    if (!o.sgemm || !set_threads || !config || !core) {
      o.missing = "libopenblas.so.0 lacks cblas_sgemm or the openblas_ functions";
      o.sgemm = nullptr;
      return o;
    }
    set_threads(1);
    // "OpenBLAS 0.3.21 DYNAMIC_ARCH ... SkylakeX MAX_THREADS=64": its name and version.
    const std::string_view built = config();
    o.version = built.substr(0, built.find(' ', built.find(' ') + 1));
    o.core = core();
    return o;  // the handle stays open for the life of the process
  }();
  return loaded;
}

}  // namespace

Library openblas_library() {
  const OpenBlas& o = openblas();
  if (!o.missing.empty())
    return {.name = "OpenBLAS", .detail = {}, .missing = o.missing, .multiply = {}};
  return {
      .name = "OpenBLAS",
      .detail = fmt::format("{}, {} kernels (chosen by {})", o.version, o.core, o.core_source),
      .missing = {},
      .multiply = [sgemm = o.sgemm](const Product& p, const float* a, const float* b, float* c) {
        sgemm(kColMajor, p.transpose_a ? kTrans : kNoTrans, p.transpose_b ? kTrans : kNoTrans,
              int(p.m), int(p.n), int(p.k), 1.0f, a, int(p.a_rows()), b, int(p.b_rows()), 0.0f, c,
              int(p.m));
      }};
}

double gflops(const Library& library, const Product& product, double seconds) {
  const Operands o = random_operands(product, rng::Stream(2024).child(product.what));
  Mat<float> c(product.m, product.n);
  const double products_per_s = best_rate(
      [&](std::int64_t n) {
        for (std::int64_t i = 0; i < n; ++i)
          library.multiply(product, o.a.data(), o.b.data(), c.data());
      },
      seconds, 2e-3);
  return products_per_s * product.flops() / 1e9;
}

}  // namespace ns::gemm
