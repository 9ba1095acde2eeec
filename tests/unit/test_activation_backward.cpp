// The backward pass through the activation (engine/activation.hpp): the sigmoid's one-pass path
// from the stored outputs y = f(z) gives what the general path from z gives, entry for entry,
// with and without the saturation term (which keeps the general path), also where the sigmoid
// saturates to exactly 0 or 1.
#include <catch2/catch.hpp>

#include "engine/activation.hpp"

using namespace ns;

TEMPLATE_TEST_CASE("the sigmoid's backward pass from y equals the one from z", "[activation]",
                   float, double) {
  using S = TestType;
  Mat<S> z = Mat<S>::Random(37, 29) * S(8);
  z(0, 0) = S(60), z(1, 0) = S(-120), z(2, 0) = S(0);  // y exactly 1 and 0 (f' = 0), and 1/2
  const Mat<S> d_out = Mat<S>::Random(37, 29);
  Mat<S> y, f_prime, f_second, from_z, from_y;
  activate(Activation::Sigmoid, z, y);
  for (const S c : {S(0), S(0.003)}) {
    INFO("saturation coefficient " << c);
    const double sum_z = activation_backward<S>(Activation::Sigmoid, z, nullptr, d_out, c, f_prime,
                                                f_second, from_z);
    const double sum_y =
        activation_backward<S>(Activation::Sigmoid, z, &y, d_out, c, f_prime, f_second, from_y);
    CHECK(from_y == from_z);  // == treats -0 and +0 as equal, the one way the paths may differ
    CHECK(sum_y == sum_z);
    // Independently: f' = s (1 - s) in float64, and the sum of |f'| the saturation term uses.
    const Eigen::ArrayXXd s = 1.0 / (1.0 + (-z.template cast<double>().array()).exp());
    const Eigen::ArrayXXd fp = s * (1 - s);
    if (c == S(0)) {
      CHECK(sum_y == 0);
      const double err =
          (from_y.template cast<double>().array() - d_out.template cast<double>().array() * fp)
              .abs()
              .maxCoeff();
      CHECK(err < 1e3 * std::numeric_limits<S>::epsilon());
    } else {
      CHECK(sum_y == Approx(fp.sum()).epsilon(1e3 * std::numeric_limits<S>::epsilon()));
    }
  }
}
