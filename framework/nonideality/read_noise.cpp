// Read noise: every multiply reads each weight afresh, so every sample sees its own weights
// W + E (the read noise of the PCM model in Joshi et al., Nat. Commun. 11, 2473, 2020, and of
// IBM's aihwkit, Rasch et al., AICAS 2021):
//   ReadAdd  E = s max|W| xi         (s relative to the layer's max |w|)
//   ReadMul  E = s W o xi
// xi ~ N(0, 1) per weight and sample. Drawing the layer's weights per sample is never needed:
// for Gaussian E, (W + E) x is distributed exactly as W x + n with, per output i,
//   ReadAdd  n_i ~ N(0, s^2 max|W|^2 |x|^2)
//   ReadMul  n_i ~ N(0, s^2 ((W o W)(x o x))_i)
// so the fast draw costs one extra product at most. The naive draw (per-sample weights) is
// kept as its reference. In training the draws xi are held and n = s sd(x, W) xi is
// differentiated through sd, the standard deviation above; max|W| is held fixed.
#include <cmath>

#include "config/run_config.hpp"
#include "engine/gemm.hpp"
#include "nonideality/nonideality.hpp"
#include "nonideality/weight_noise_levels.hpp"

namespace ns {
namespace {

template <class S>
Mat<S> sample_normals(const DrawInput<S>& in) {
  Mat<S> xi(in.w.rows(), in.batch);
  rng::fill_normal(in.stream, std::uint64_t(in.first_sample * in.w.rows()), xi.data(), xi.size(),
                   S(1));
  return xi;
}

template <class S>
class AdditiveRead final : public Perturbation<S> {
 public:
  explicit AdditiveRead(const DrawInput<S>& in)
      : scale_(S(in.strength * max_abs(in.w))), xi_(sample_normals(in)) {}
  bool changes_product() const override { return true; }
  void product(Mat<S>& z, const Eigen::Ref<const Mat<S>>&, const Mat<S>& x) const override {
    const RowVec<S> norm = x.colwise().norm();
    z.noalias() += (xi_.array().rowwise() * (scale_ * norm.array())).matrix();
  }
  // dn_ij/dx_kj = scale xi_ij x_kj / |x_j|
  void product_gradient(Mat<S>& g_z, const Eigen::Ref<const Mat<S>>&, const Mat<S>& x,
                        Eigen::Ref<Mat<S>>, Mat<S>* g_x) const override {
    if (!g_x) return;
    const RowVec<S> norm = x.colwise().norm();
    const RowVec<S> along = (g_z.array() * xi_.array()).colwise().sum();
    for (Index j = 0; j < x.cols(); ++j)
      if (norm[j] > 0) g_x->col(j) += (scale_ * along[j] / norm[j]) * x.col(j);
  }

 private:
  S scale_;
  Mat<S> xi_;  // outputs x samples
};

template <class S>
class MultiplicativeRead final : public Perturbation<S> {
 public:
  explicit MultiplicativeRead(const DrawInput<S>& in)
      : s_(S(in.strength)), xi_(sample_normals(in)) {}
  bool changes_product() const override { return true; }
  void product(Mat<S>& z, const Eigen::Ref<const Mat<S>>& w, const Mat<S>& x) const override {
    z.array() += s_ * xi_.array() * spread(w, x).array();
  }
  // With sd_ij = sqrt(sum_k W_ik^2 x_kj^2) and h = g o s xi / sd:
  //   dL/dW_ik += W_ik sum_j h_ij x_kj^2,  dL/dx_kj += x_kj sum_i W_ik^2 h_ij
  void product_gradient(Mat<S>& g_z, const Eigen::Ref<const Mat<S>>& w, const Mat<S>& x,
                        Eigen::Ref<Mat<S>> g_w, Mat<S>* g_x) const override {
    const Mat<S> sd = spread(w, x);
    const Mat<S> h =
        (sd.array() > S(0)).select(g_z.array() * s_ * xi_.array() / sd.array(), S(0)).matrix();
    const Mat<S> x2 = x.array().square().matrix();
    Mat<S> product;
    gemm::multiply<S>(h, gemm::Op::Plain, x2, gemm::Op::Transposed, product);
    g_w.array() += w.array() * product.array();
    if (!g_x) return;
    gemm::multiply<S>(w.array().square().matrix(), gemm::Op::Transposed, h, gemm::Op::Plain,
                      product);
    g_x->array() += x.array() * product.array();
  }

 private:
  static Mat<S> spread(const Eigen::Ref<const Mat<S>>& w, const Mat<S>& x) {
    Mat<S> sd;
    gemm::multiply<S>(w.array().square().matrix(), gemm::Op::Plain, x.array().square().matrix(),
                      gemm::Op::Plain, sd);
    return sd.array().sqrt().matrix();
  }
  S s_;
  Mat<S> xi_;
};

// The naive reference: per sample j, fresh weights W + E_j, drawn from a stream of its own.
template <bool Multiplicative>
class NaiveRead final : public Perturbation<float> {
 public:
  explicit NaiveRead(const DrawInput<float>& in)
      : s_(in.strength),
        scale_(in.strength * max_abs(in.w)),
        stream_(in.stream.child("naive")),
        first_(in.first_sample) {}
  bool changes_product() const override { return true; }
  void product(Mat<float>& z, const Eigen::Ref<const Mat<float>>& w,
               const Mat<float>& x) const override {
    Mat<float> e(w.rows(), w.cols());
    for (Index j = 0; j < x.cols(); ++j) {
      rng::fill_normal(stream_, std::uint64_t((first_ + j) * e.size()), e.data(), e.size(), 1.0f);
      if (Multiplicative)
        e = (w.array() * e.array() * float(s_)).matrix();
      else
        e *= float(scale_);
      z.col(j).noalias() += e * x.col(j);
    }
  }

 private:
  double s_, scale_;
  rng::Stream stream_;
  Index first_;
};

std::unique_ptr<Perturbation<float>> naive_additive(const DrawInput<float>& in) {
  return std::make_unique<NaiveRead<false>>(in);
}
std::unique_ptr<Perturbation<float>> naive_multiplicative(const DrawInput<float>& in) {
  return std::make_unique<NaiveRead<true>>(in);
}

constexpr std::string_view kCitation =
    "Joshi et al., Nat. Commun. 11, 2473 (2020); Rasch et al., AICAS 2021 (aihwkit)";

}  // namespace

extern const Nonideality kReadAdd{
    .name = "ReadAdd",
    .summary = "read noise, additive: W + s max|W| N(0, 1), fresh for every sample",
    .citation = kCitation,
    .levels = weight_noise::kRelativeStd,
    .scope = LayerScope::All,
    .per_chip = false,
    .needs_calibration = false,
    .parameters = {},
    .default_levels = weight_noise::additive_levels,
    .draw_float = drawer_of_float<AdditiveRead>(),
    .draw_double = drawer_of_double<AdditiveRead>(),
    .draw_naive = naive_additive};

extern const Nonideality kReadMul{
    .name = "ReadMul",
    .summary = "read noise, multiplicative: W (1 + s N(0, 1)), fresh for every sample",
    .citation = kCitation,
    .levels = weight_noise::kRelativeStd,
    .scope = LayerScope::All,
    .per_chip = false,
    .needs_calibration = false,
    .parameters = {},
    .default_levels = weight_noise::multiplicative_levels,
    .draw_float = drawer_of_float<MultiplicativeRead>(),
    .draw_double = drawer_of_double<MultiplicativeRead>(),
    .draw_naive = naive_multiplicative};

}  // namespace ns
