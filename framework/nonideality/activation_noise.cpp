// The paper's four kinds (METHOD.md section 1): Gaussian noise on each hidden layer's
// activation, y = a (1 + mu) (1 + mc) + au + ac, with mu, au one draw per (neuron, sample) and
// mc, ac one draw per sample shared by the layer. Levels are variances.
#include <cmath>

#include "engine/activation.hpp"
#include "engine/gemm.hpp"
#include "engine/loss.hpp"
#include "engine/network.hpp"
#include "nonideality/eval_job.hpp"

namespace ns {
namespace {

template <class S>
class ActivationNoise final : public Perturbation<S> {
 public:
  // Draw addresses are absolute: sample first_sample + j, neuron i uses counter
  // (first_sample + j) * rows + i, where rows is the width (uncorrelated) or 1 (correlated).
  ActivationNoise(const DrawInput<S>& in, bool multiplicative, bool correlated)
      : multiplicative_(multiplicative), correlated_(correlated) {
    const S stddev = S(std::sqrt(in.strength));
    if (correlated) {
      shared_.resize(in.batch);
      rng::fill_normal(in.stream, std::uint64_t(in.first_sample), shared_.data(), shared_.size(),
                       stddev);
    } else {
      draws_.resize(in.w.rows(), in.batch);
      rng::fill_normal(in.stream, std::uint64_t(in.first_sample * in.w.rows()), draws_.data(),
                       draws_.size(), stddev);
    }
  }

  void scale(Mat<S>& y) const override {
    if (!multiplicative_) return;
    if (correlated_)
      y.array().rowwise() *= (S(1) + shared_.array());
    else
      y.array() *= S(1) + draws_.array();
  }
  void shift(Mat<S>& y) const override {
    if (multiplicative_) return;
    if (correlated_)
      y.rowwise() += shared_;
    else
      y += draws_;
  }
  const RowVec<S>& shared() const { return shared_; }  // correlated kinds: one draw per sample

 private:
  bool multiplicative_, correlated_;
  Mat<S> draws_;      // neurons x samples (uncorrelated)
  RowVec<S> shared_;  // 1 x samples (correlated)
};

template <bool Multiplicative, bool Correlated>
struct Kind {
  template <class S>
  struct Noise {
    static std::unique_ptr<Perturbation<S>> draw(const DrawInput<S>& in) {
      return std::make_unique<ActivationNoise<S>>(in, Multiplicative, Correlated);
    }
  };
};

std::vector<double> shared_levels(const EvalConfig& eval, const KindSettings&) {
  return eval.levels;
}

// The fast path. The first layer never sees noise on its input: its output (or pre-activation,
// when the noise comes before the activation) is computed once. With noise after the
// activation, correlated noise reaches the next layer as a rank-one change:
// W (a + c 1) = W a + c (W 1) and W (a (1 + c)) = (1 + c) W a.
KindAccuracies evaluate_fast(const EvalJob& job) {
  const Parameters<float>& p = *job.params;
  const data::Dataset& test = *job.test;
  const Architecture& arch = p.arch();
  const bool after = arch.noise_placement == NoisePlacement::After;
  const std::string_view name = job.kind->name;
  const bool correlated = name == "AddCor" || name == "MulCor";
  const bool additive = name == "AddCor" || name == "AddUnc";
  const bool rank_one = after && correlated && job.acts_on[0];
  const Drawer<float> draw = job.kind->draw_float;

  Mat<float> first(arch.out(0), test.size());
  gemm::multiply<float>(p.w(0), gemm::Op::Plain, test.x, gemm::Op::Plain, first);
  first.colwise() += p.b(0);
  if (after) {
    Mat<float> z = std::move(first);
    activate(arch.activation, z, first);
  }
  Mat<float> clean_next;
  Vec<float> row_sums;
  if (rank_one) {
    gemm::multiply<float>(p.w(1), gemm::Op::Plain, first, gemm::Op::Plain, clean_next);
    row_sums = p.w(1).rowwise().sum();
  }

  auto layer_noise = [&](int l, double level, const rng::Stream& s, Index start, Index m) {
    DrawInput<float> in{.strength = level,
                        .settings = job.settings,
                        .layer = l,
                        .w = {p.w(l).data(), p.w(l).rows(), p.w(l).cols()},
                        .stream = s.child(std::uint64_t(l)).child(name),
                        .first_sample = start,
                        .batch = m};
    return draw(in);
  };

  KindAccuracies accuracy;
  Mat<float> y, z;
  for (std::size_t l = 0; l < job.levels.size(); ++l)
    for (int r = 0; r < job.repetitions; ++r) {
      const rng::Stream s = job.stream.child(l).child(std::uint64_t(r));
      Index correct = 0;
      for (Index start = 0; start < test.size(); start += job.chunk) {
        const Index m = std::min<Index>(job.chunk, test.size() - start);
        std::unique_ptr<Perturbation<float>> noise;
        if (job.acts_on[0]) noise = layer_noise(0, job.levels[l], s, start, m);
        if (rank_one) {
          const RowVec<float>& c = static_cast<const ActivationNoise<float>&>(*noise).shared();
          z = clean_next.middleCols(start, m);
          if (additive)
            z.noalias() += row_sums * c;
          else
            z.array().rowwise() *= (1.0f + c.array());
        } else {
          if (after) {
            y = first.middleCols(start, m);
            if (noise) noise->scale(y), noise->shift(y);
          } else {
            z = first.middleCols(start, m);
            if (noise) noise->scale(z), noise->shift(z);
            activate(arch.activation, z, y);
          }
          gemm::multiply<float>(p.w(1), gemm::Op::Plain, y, gemm::Op::Plain, z);
        }
        z.colwise() += p.b(1);
        // The remaining hidden layers, each with fresh noise, then the output layer.
        for (int h = 1; h < arch.layers() - 1; ++h) {
          noise.reset();
          if (job.acts_on[h]) noise = layer_noise(h, job.levels[l], s, start, m);
          if (noise && !after) noise->scale(z), noise->shift(z);
          activate(arch.activation, z, y);
          if (noise && after) noise->scale(y), noise->shift(y);
          gemm::multiply<float>(p.w(h + 1), gemm::Op::Plain, y, gemm::Op::Plain, z);
          z.colwise() += p.b(h + 1);
        }
        correct += count_correct<float>(z, test.y.segment(start, m));
      }
      accuracy.push_back(double(correct) / test.size());
    }
  return accuracy;
}

constexpr LevelRule kVariance{
    .unit = "variance", .symbol = "variance", .min = 0, .max = 1e300, .min_exclusive = true};

template <bool M, bool C>
constexpr Nonideality activation_kind(std::string_view name, std::string_view summary) {
  return {.name = name,
          .summary = summary,
          .citation = "Duque et al. 2024, arXiv:2409.08633 (METHOD.md section 1)",
          .levels = kVariance,
          .scope = LayerScope::Hidden,
          .per_chip = false,
          .needs_calibration = false,
          .parameters = {},
          .default_levels = shared_levels,
          .draw_float = Kind<M, C>::template Noise<float>::draw,
          .draw_double = Kind<M, C>::template Noise<double>::draw,
          .evaluate = evaluate_fast};
}

}  // namespace

extern const Nonideality kAddUnc = activation_kind<false, false>(
    "AddUnc", "additive uncorrelated activation noise: y + N(0, v) per neuron and sample");
extern const Nonideality kAddCor = activation_kind<false, true>(
    "AddCor", "additive correlated activation noise: y + N(0, v), one draw per sample and layer");
extern const Nonideality kMulUnc = activation_kind<true, false>(
    "MulUnc",
    "multiplicative uncorrelated activation noise: y (1 + N(0, v)) per neuron and sample");
extern const Nonideality kMulCor = activation_kind<true, true>(
    "MulCor",
    "multiplicative correlated activation noise: y (1 + N(0, v)), one draw per sample and layer");

}  // namespace ns
