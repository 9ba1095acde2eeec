// The GEMM libraries that `noisesweep bench` measures compute the right products at the
// network's shapes, and its FMA peak is a rate.
#include <catch2/catch.hpp>
#include <cfloat>
#include <cmath>
#include <cstdlib>

#include "config/run_config.hpp"
#include "core/fma_peak.hpp"
#include "engine/blis.hpp"
#include "engine/gemm_libraries.hpp"

using namespace ns;

namespace {

std::vector<gemm::Product> paper_products() {
  const RunConfig cfg;
  return gemm::network_products(make_architecture(784, cfg.model, 10), cfg.train.batch_size,
                                cfg.eval.chunk);
}

}  // namespace

TEST_CASE("the GEMM products are the network's", "[gemm]") {
  // 784-300-300-10, batch 128, evaluation blocks of 500 (engine/network.cpp,
  // nonideality/activation_noise.cpp).
  const std::vector<gemm::Product> p = paper_products();
  REQUIRE(p.size() == 10);
  CHECK(p[0].operands() == "300x784 * 784x128");      // forward, layer 1: W1 x
  CHECK(p[1].operands() == "300x300 * 300x128");      // forward, layer 2
  CHECK(p[2].operands() == "10x300 * 300x128");       // forward, layer 3
  CHECK(p[3].operands() == "10x128 * (300x128)^T");   // weight gradient, layer 3: dz3 y2^T
  CHECK(p[4].operands() == "(10x300)^T * 10x128");    // input gradient, layer 3: W3^T dz3
  CHECK(p[5].operands() == "300x128 * (300x128)^T");  // weight gradient, layer 2
  CHECK(p[6].operands() == "(300x300)^T * 300x128");  // input gradient, layer 2
  CHECK(p[7].operands() == "300x128 * (784x128)^T");  // weight gradient, layer 1: dz1 x^T
  CHECK(p[8].operands() == "300x300 * 300x500");      // evaluation block, layer 2
  CHECK(p[9].operands() == "10x300 * 300x500");       // evaluation block, layer 3
  CHECK(std::count_if(p.begin(), p.end(), [](const auto& q) { return q.training; }) == 8);
}

TEST_CASE("each GEMM library's products match a float64 reference", "[gemm]") {
  const gemm::Library openblas = gemm::openblas_library();
  // install-deps.sh installs OpenBLAS (libopenblas0) with PyTorch: its absence is an error here.
  INFO(openblas.missing);
  CHECK(openblas.missing.empty());
  std::vector<gemm::Library> libraries = {gemm::eigen_library(), gemm::engine_library()};
  for (const std::string& config : blis::configurations_for_this_cpu())
    libraries.push_back(gemm::blis_library(config));
  if (openblas.missing.empty()) libraries.push_back(openblas);

  // The bound. Each entry of C = op(A) op(B) is a dot product of length k, which float32
  // computes in some order (each library blocks it differently, with FMAs). Its rounding error
  // is at most about k u sum_p |a_ip b_pj| (u = 2^-24; Higham, Accuracy and Stability of
  // Numerical Algorithms, section 3.1), a worst case that needs every rounding to err the same
  // way. Rounding errors of random-signed data are closer to independent, and their sum grows
  // like sqrt(k): for entries uniform in [-1, 1], recursive summation errs by about
  // 0.3 u sqrt(k) ||C||_F normwise, and Eigen, BLIS and OpenBLAS by 0.2 to 0.3 u sqrt(k) at
  // these shapes. The test allows 2 eps sqrt(k) = 4 u sqrt(k), more than ten times that. The
  // reference is float64 on the same float32 operands: exact products, sums with errors near
  // 2^-53, nothing next to the bound. A wrong transposition, leading dimension or unwritten
  // output errs by the order of ||C|| itself.
  for (const gemm::Product& p : paper_products()) {
    const gemm::Operands o = gemm::random_operands(p, rng::Stream(11).child(p.what));
    const Mat<double> a = o.a.cast<double>(), b = o.b.cast<double>();
    Mat<double> reference;
    if (p.transpose_a)
      reference = a.transpose() * b;
    else if (p.transpose_b)
      reference = a * b.transpose();
    else
      reference = a * b;
    const double bound = 2 * FLT_EPSILON * std::sqrt(double(p.k));
    for (const gemm::Library& library : libraries) {
      Mat<float> c = Mat<float>::Constant(p.m, p.n, std::nanf(""));  // every entry must be written
      library.multiply(p, o.a.data(), o.b.data(), c.data());
      const double error = (c.cast<double>() - reference).norm() / reference.norm();
      INFO(library.name << ", " << p.what << (p.training ? " (training) " : " (evaluation) ")
                        << p.operands() << ": relative error " << error << ", bound " << bound);
      CHECK(error <= bound);
    }
  }
}

TEST_CASE("OpenBLAS's loading leaves the environment as it was", "[gemm]") {
  // bench starts the PyTorch peer after loading OpenBLAS; the peer's own choice of kernels must
  // not inherit the settings used for the loading.
  const bool core_set = std::getenv("OPENBLAS_CORETYPE") != nullptr;
  const bool threads_set = std::getenv("OPENBLAS_NUM_THREADS") != nullptr;
  (void)gemm::openblas_library();
  CHECK((std::getenv("OPENBLAS_CORETYPE") != nullptr) == core_set);
  CHECK((std::getenv("OPENBLAS_NUM_THREADS") != nullptr) == threads_set);
}

TEST_CASE("BLIS's configurations are named, and an unknown one is refused by name", "[gemm]") {
  CHECK(gemm::blis_library("haswell").name == "BLIS haswell");
  CHECK_THROWS_WITH(gemm::blis_library("no-such-configuration"),
                    Catch::Contains("no kernels of configuration \"no-such-configuration\""));
}

TEST_CASE("the FMA peak is a positive, finite rate", "[gemm]") {
  const FmaPeak peak = measure_fma_peak(0.02);
  INFO(peak.isa << ", " << peak.chains << " chains: " << peak.gflops << " GFLOP/s");
  CHECK(std::isfinite(peak.gflops));
  CHECK(peak.gflops > 0);
  CHECK(peak.chains > 0);
  CHECK(!peak.isa.empty());
}
