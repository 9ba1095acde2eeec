// The paper's four kinds (METHOD.md section 1): Gaussian noise on each hidden layer's
// activation, y = a (1 + mu) (1 + mc) + au + ac, with mu, au one draw per (neuron, sample) and
// mc, ac one draw per sample shared by the layer. Levels are variances.
#include <cassert>
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

// Uncorrelated kinds on the fast path: each draw is applied as it is made, from `from` into `to`
// (which may be the same matrix) in one pass, with no matrix of draws. The draws, their
// addresses and the arithmetic are ActivationNoise's, so the values are the same bit for bit.
void apply_uncorrelated(const DrawInput<float>& in, bool multiplicative,
                        Eigen::Ref<const Mat<float>> from, Mat<float>& to) {
  assert(from.outerStride() == from.rows());  // whole columns: the elements lie contiguously
  to.resize(from.rows(), from.cols());        // no-op in place
  const float* src = from.data();
  float* dst = to.data();
  const float stddev = float(std::sqrt(in.strength));
  const std::uint64_t base = std::uint64_t(in.first_sample * in.w.rows());
  if (multiplicative)
    rng::for_each_normal_block(in.stream, base, to.size(), stddev,
                               [&](std::int64_t first, const float* d, std::int64_t count) {
                                 for (std::int64_t k = 0; k < count; ++k)
                                   dst[first + k] = src[first + k] * (1.0f + d[k]);
                               });
  else
    rng::for_each_normal_block(in.stream, base, to.size(), stddev,
                               [&](std::int64_t first, const float* d, std::int64_t count) {
                                 for (std::int64_t k = 0; k < count; ++k)
                                   dst[first + k] = src[first + k] + d[k];
                               });
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

  // Blocks of samples outermost: a block of the clean layer is read from memory once and then
  // serves every level and repetition from cache. Draws have fixed addresses, so the order does
  // not change a result.
  std::vector<Index> correct(job.levels.size() * std::size_t(job.repetitions), 0);
  Mat<float> y, z;
  for (Index start = 0; start < test.size(); start += job.chunk) {
    const Index m = std::min<Index>(job.chunk, test.size() - start);
    for (std::size_t l = 0; l < job.levels.size(); ++l)
      for (int r = 0; r < job.repetitions; ++r) {
        const rng::Stream s = job.stream.child(l).child(std::uint64_t(r));
        auto input = [&](int layer) {
          return DrawInput<float>{.strength = job.levels[l],
                                  .settings = job.settings,
                                  .layer = layer,
                                  .w = {p.w(layer).data(), p.w(layer).rows(), p.w(layer).cols()},
                                  .stream = s.child(std::uint64_t(layer)).child(name),
                                  .first_sample = start,
                                  .batch = m};
        };
        // to = from, with the layer's noise when the kind acts on that layer.
        auto perturb = [&](int layer, Eigen::Ref<const Mat<float>> from, Mat<float>& to) {
          if (job.acts_on[layer] && !correlated) {
            apply_uncorrelated(input(layer), !additive, from, to);
            return;
          }
          if (from.data() != to.data()) to = from;
          if (!job.acts_on[layer]) return;
          const ActivationNoise<float> noise(input(layer), !additive, correlated);
          noise.scale(to);
          noise.shift(to);
        };
        if (rank_one) {
          const ActivationNoise<float> noise(input(0), !additive, correlated);
          const RowVec<float>& c = noise.shared();
          z = clean_next.middleCols(start, m);
          if (additive)
            z.noalias() += row_sums * c;
          else
            z.array().rowwise() *= (1.0f + c.array());
        } else {
          if (after) {
            perturb(0, first.middleCols(start, m), y);
          } else {
            perturb(0, first.middleCols(start, m), z);
            activate(arch.activation, z, y);
          }
          gemm::multiply<float>(p.w(1), gemm::Op::Plain, y, gemm::Op::Plain, z);
        }
        z.colwise() += p.b(1);
        // The remaining hidden layers, each with fresh noise, then the output layer.
        for (int h = 1; h < arch.layers() - 1; ++h) {
          if (!after) perturb(h, z, z);
          activate(arch.activation, z, y);
          if (after) perturb(h, y, y);
          gemm::multiply<float>(p.w(h + 1), gemm::Op::Plain, y, gemm::Op::Plain, z);
          z.colwise() += p.b(h + 1);
        }
        correct[l * std::size_t(job.repetitions) + std::size_t(r)] +=
            count_correct<float>(z, test.y.segment(start, m));
      }
  }
  KindAccuracies accuracy;
  for (Index c : correct) accuracy.push_back(double(c) / test.size());
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
