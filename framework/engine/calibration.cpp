#include "engine/calibration.hpp"

#include <algorithm>
#include <limits>

#include "engine/gemm.hpp"
#include "engine/network.hpp"

namespace ns {

template <class S>
std::vector<LayerCalibration> calibrate(const Parameters<S>& p, const Mat<S>& x) {
  constexpr Index chunk = 1024;
  const Architecture& arch = p.arch();
  std::vector<LayerCalibration> c(arch.layers());
  constexpr double inf = std::numeric_limits<double>::infinity();
  for (int l = 0; l < arch.layers(); ++l) {
    c[l].input_min = c[l].product_min = inf;
    c[l].input_max = c[l].product_max = -inf;
    c[l].input_mean_abs = Vec<double>::Zero(arch.in(l));
  }
  Workspace<S> ws;
  Mat<S> product;
  for (Index start = 0; start < x.cols(); start += chunk) {
    const Index m = std::min<Index>(chunk, x.cols() - start);
    const Mat<S> block = x.middleCols(start, m);
    forward<S>(p, block, nullptr, ws);
    for (int l = 0; l < arch.layers(); ++l) {
      const Mat<S>& input = l == 0 ? block : ws.out[l - 1];
      gemm::multiply<S>(p.w(l), gemm::Op::Plain, input, gemm::Op::Plain, product);
      LayerCalibration& cl = c[l];
      cl.input_min = std::min(cl.input_min, double(input.minCoeff()));
      cl.input_max = std::max(cl.input_max, double(input.maxCoeff()));
      cl.product_min = std::min(cl.product_min, double(product.minCoeff()));
      cl.product_max = std::max(cl.product_max, double(product.maxCoeff()));
      cl.input_mean_abs += input.cwiseAbs().template cast<double>().rowwise().sum();
    }
  }
  for (LayerCalibration& cl : c)
    if (x.cols() > 0) cl.input_mean_abs /= double(x.cols());
  return c;
}

template std::vector<LayerCalibration> calibrate<float>(const Parameters<float>&,
                                                        const Mat<float>&);
template std::vector<LayerCalibration> calibrate<double>(const Parameters<double>&,
                                                         const Mat<double>&);

}  // namespace ns
