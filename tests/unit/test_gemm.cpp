// The engine's products (engine/gemm.hpp) against Eigen and a float64 reference: every
// transposition, thin shapes (Eigen's path) and wide ones (BLIS's), operands that are blocks of
// larger matrices, and shapes that do not multiply.
#include <catch2/catch.hpp>
#include <cfloat>
#include <cmath>

#include "core/gemm_kernels.hpp"
#include "core/rng.hpp"
#include "engine/gemm.hpp"

using namespace ns;

namespace {

Mat<float> uniform(Index rows, Index cols, const rng::Stream& s) {
  Mat<float> m(rows, cols);
  rng::fill_uniform(s, 0, m.data(), m.size(), -1.0, 1.0);
  return m;
}

struct Shape {
  Index m, n, k;
};

}  // namespace

TEST_CASE("engine products match float64 within float32 rounding, and Eigen's", "[gemm]") {
  using gemm::Op;
  // Thin (the 10-row output layer: Eigen) and wide (BLIS when this build has its kernels).
  const Shape shapes[] = {{10, 128, 300},  {300, 128, 10}, {300, 128, 784},
                          {300, 300, 128}, {33, 40, 35},   {31, 64, 64}};
  const Op ops[] = {Op::Plain, Op::Transposed};
  int blis_products = 0;
  for (const Shape& sh : shapes)
    for (Op op_a : ops)
      for (Op op_b : ops) {
        const bool ta = op_a == Op::Transposed, tb = op_b == Op::Transposed;
        const rng::Stream s =
            rng::Stream(5).child(std::uint64_t(sh.m * 1000000 + sh.n * 1000 + sh.k));
        // Operands as blocks of larger matrices: leading dimensions that are not the rows.
        const Mat<float> big_a =
            uniform((ta ? sh.k : sh.m) + 3, (ta ? sh.m : sh.k) + 2, s.child("a"));
        const Mat<float> big_b =
            uniform((tb ? sh.n : sh.k) + 5, (tb ? sh.k : sh.n) + 1, s.child("b"));
        const auto a = big_a.topLeftCorner(ta ? sh.k : sh.m, ta ? sh.m : sh.k);
        const auto b = big_b.bottomRightCorner(tb ? sh.n : sh.k, tb ? sh.k : sh.n);
        Mat<float> c_big = Mat<float>::Constant(sh.m + 4, sh.n + 2, std::nanf(""));
        gemm::multiply<float>(a, op_a, b, op_b, c_big.block(2, 1, sh.m, sh.n));
        const Mat<float> c = c_big.block(2, 1, sh.m, sh.n);
        // Nothing outside the output block was written.
        CHECK(c_big.topRows(2).array().isNaN().all());
        CHECK(c_big.leftCols(1).array().isNaN().all());

        const Mat<double> ad = a.cast<double>(), bd = b.cast<double>();
        const Mat<double> reference =
            (ta ? Mat<double>(ad.transpose()) : ad) * (tb ? Mat<double>(bd.transpose()) : bd);
        Mat<float> eigen;
        const Mat<float> af = ta ? Mat<float>(a.transpose()) : Mat<float>(a);
        const Mat<float> bf = tb ? Mat<float>(b.transpose()) : Mat<float>(b);
        eigen.noalias() = af * bf;
        // The bound of test_gemm_libraries.cpp: 2 eps sqrt(k) normwise, about ten times the
        // rounding error of random-signed sums.
        const double bound = 2 * FLT_EPSILON * std::sqrt(double(sh.k));
        const double error = (c.cast<double>() - reference).norm() / reference.norm();
        const double eigen_error = (eigen.cast<double>() - reference).norm() / reference.norm();
        const bool blis = gemm::uses_blis(sh.m, sh.n, sh.k);
        blis_products += blis;
        INFO(sh.m << "x" << sh.n << "x" << sh.k << (ta ? " A^T" : " A") << (tb ? " B^T" : " B")
                  << (blis ? " on BLIS" : " on Eigen") << ": error " << error << ", Eigen's "
                  << eigen_error << ", bound " << bound);
        CHECK(error <= bound);
        CHECK(eigen_error <= bound);
        if (!blis) CHECK(c == eigen);  // Eigen's path is Eigen's product, bit for bit
      }
  // The wide shapes run on BLIS exactly when this build chose BLIS kernels.
  CHECK((blis_products > 0) == !gemm_kernels().blis_configuration.empty());
}

TEST_CASE("the float64 reference engine multiplies with Eigen alone", "[gemm]") {
  const Mat<double> a = Mat<double>::Random(300, 200), b = Mat<double>::Random(200, 64);
  Mat<double> c;
  gemm::multiply<double>(a, gemm::Op::Plain, b, gemm::Op::Plain, c);
  const Mat<double> eigen = a * b;
  CHECK(c == eigen);
}

TEST_CASE("products of shapes that do not multiply are refused with the shapes", "[gemm]") {
  const Mat<float> a = Mat<float>::Ones(40, 50), b = Mat<float>::Ones(60, 40);
  Mat<float> c(40, 40);
  CHECK_THROWS_WITH(
      gemm::multiply<float>(a, gemm::Op::Plain, b, gemm::Op::Plain, gemm::Out<float>(c)),
      Catch::Contains("40x50 times 60x40"));
  Mat<float> wrong(3, 3);
  CHECK_THROWS_WITH(gemm::multiply<float>(a, gemm::Op::Transposed, b, gemm::Op::Transposed,
                                          gemm::Out<float>(wrong)),
                    Catch::Contains("into 3x3"));
}

TEST_CASE("the numeric build names the GEMM kernels", "[gemm]") {
  const std::string description = gemm_description();
  CHECK(!gemm_kernels().why.empty());
  if (gemm_kernels().blis_configuration.empty())
    CHECK(description == "Eigen for every product");
  else
    CHECK_THAT(description, Catch::Contains("BLIS") &&
                                Catch::Contains(gemm_kernels().blis_configuration + " kernels"));
}
