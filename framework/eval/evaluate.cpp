#include "eval/evaluate.hpp"

#include <fmt/format.h>

#include <cmath>

#include "engine/activation.hpp"
#include "engine/loss.hpp"
#include "engine/network.hpp"

namespace ns {

namespace {

bool correlated(NoiseKind k) {
  return k == NoiseKind::AddCor || k == NoiseKind::MulCor;
}

NoiseVariances only(NoiseKind kind, double variance) {
  NoiseVariances v;
  v[kind] = variance;
  return v;
}

// Sets up the result and calls pass(kind, level index, rep, noise stream) -> correct count.
template <class Pass>
NoiseCurves sweep(const data::Dataset& test, const EvalConfig& cfg, const rng::Stream& stream,
                  Pass&& pass) {
  NoiseCurves c;
  c.kinds = cfg.kinds;
  c.levels = cfg.levels;
  c.repetitions = cfg.repetitions;
  c.accuracy.reserve(c.kinds.size() * c.levels.size() * c.repetitions);
  for (NoiseKind kind : c.kinds)
    for (std::size_t l = 0; l < c.levels.size(); ++l)
      for (int r = 0; r < c.repetitions; ++r) {
        const rng::Stream s = stream.child(to_string(kind)).child(l).child(std::uint64_t(r));
        const Index correct = pass(only(kind, c.levels[l]), kind, s);
        c.accuracy.push_back(double(correct) / test.size());
      }
  return c;
}

// Hidden layers from..L-2 and the output layer, starting from layer `from`'s pre-activation z
// (bias included), with fresh noise on each hidden layer. Returns the correct count.
Index finish_forward(const Parameters<float>& p, int from, Mat<float>& z, const NoiseVariances& v,
                     const rng::Stream& s, Index first_sample,
                     const Eigen::Ref<const Eigen::VectorXi>& labels, LayerNoise<float>& noise,
                     Mat<float>& y) {
  const Architecture& arch = p.arch();
  for (int l = from; l < arch.layers() - 1; ++l) {
    noise.draw(v, s.child(std::uint64_t(l)), arch.out(l), first_sample, z.cols());
    if (arch.noise_placement == NoisePlacement::Before) noise.apply(z);
    activate(arch.activation, z, y);
    if (arch.noise_placement == NoisePlacement::After) noise.apply(y);
    z.noalias() = p.w(l + 1) * y;
    z.colwise() += p.b(l + 1);
  }
  return count_correct<float>(z, labels);
}

}  // namespace

std::string NoiseCurves::problem() const {
  if (repetitions < 0) return fmt::format("negative repetitions {}", repetitions);
  if (accuracy.size() != kinds.size() * levels.size() * std::size_t(repetitions))
    return fmt::format("{} noise accuracies for {} kinds x {} levels x {} repetitions",
                       accuracy.size(), kinds.size(), levels.size(), repetitions);
  return "";
}

double NoiseCurves::mean(int k, int l) const {
  double sum = 0;
  for (int r = 0; r < repetitions; ++r) sum += at(k, l, r);
  return sum / repetitions;
}

double NoiseCurves::std(int k, int l) const {
  if (repetitions < 2) return 0;
  const double m = mean(k, l);
  double ss = 0;
  for (int r = 0; r < repetitions; ++r) ss += (at(k, l, r) - m) * (at(k, l, r) - m);
  return std::sqrt(ss / (repetitions - 1));
}

double clean_accuracy(const Parameters<float>& p, const data::Dataset& set, int chunk) {
  Workspace<float> ws;
  Index correct = 0;
  for (Index start = 0; start < set.size(); start += chunk) {
    const Index m = std::min<Index>(chunk, set.size() - start);
    const Mat<float> x = set.x.middleCols(start, m);
    correct += count_correct<float>(forward<float>(p, x, nullptr, ws), set.y.segment(start, m));
  }
  return double(correct) / set.size();
}

NoiseCurves evaluate_noise(const Parameters<float>& p, const data::Dataset& test,
                           const EvalConfig& cfg, const rng::Stream& stream) {
  const Architecture& arch = p.arch();
  const bool after = arch.noise_placement == NoisePlacement::After;
  // Layer 0 never sees noise on its input: its output (or pre-activation, when the noise
  // comes before the activation) is computed once for the whole test set.
  Mat<float> first(arch.out(0), test.size());
  first.noalias() = p.w(0) * test.x;
  first.colwise() += p.b(0);
  if (after) {
    Mat<float> z = std::move(first);
    activate(arch.activation, z, first);
  }
  // With noise after the activation, correlated noise reaches layer 1 as a rank-one change:
  // W (a + c 1) = W a + c (W 1) and W (a (1 + c)) = (1 + c) W a.
  Mat<float> clean_next;
  Vec<float> row_sums;
  const bool any_correlated =
      std::any_of(cfg.kinds.begin(), cfg.kinds.end(), [](NoiseKind k) { return correlated(k); });
  if (after && any_correlated) {
    clean_next.noalias() = p.w(1) * first;
    row_sums = p.w(1).rowwise().sum();
  }

  LayerNoise<float> noise;
  Mat<float> y, z;
  return sweep(
      test, cfg, stream, [&](const NoiseVariances& v, NoiseKind kind, const rng::Stream& s) {
        Index correct = 0;
        for (Index start = 0; start < test.size(); start += cfg.chunk) {
          const Index m = std::min<Index>(cfg.chunk, test.size() - start);
          noise.draw(v, s.child(std::uint64_t(0)), arch.out(0), start, m);
          if (after && correlated(kind)) {
            z = clean_next.middleCols(start, m);
            if (kind == NoiseKind::AddCor)
              z.noalias() += row_sums * noise.add_cor;
            else
              z.array().rowwise() *= (1.0f + noise.mul_cor.array());
          } else {
            if (after) {
              y = first.middleCols(start, m);
              noise.apply(y);
            } else {
              z = first.middleCols(start, m);
              noise.apply(z);
              activate(arch.activation, z, y);
            }
            z.noalias() = p.w(1) * y;
          }
          z.colwise() += p.b(1);
          correct += finish_forward(p, 1, z, v, s, start, test.y.segment(start, m), noise, y);
        }
        return correct;
      });
}

NoiseCurves evaluate_noise_naive(const Parameters<float>& p, const data::Dataset& test,
                                 const EvalConfig& cfg, const rng::Stream& stream) {
  const Architecture& arch = p.arch();
  Workspace<float> ws;
  NetworkNoise<float> noise(arch.hidden_layers());
  return sweep(test, cfg, stream, [&](const NoiseVariances& v, NoiseKind, const rng::Stream& s) {
    Index correct = 0;
    for (Index start = 0; start < test.size(); start += cfg.chunk) {
      const Index m = std::min<Index>(cfg.chunk, test.size() - start);
      for (int l = 0; l < arch.hidden_layers(); ++l)
        noise[l].draw(v, s.child(std::uint64_t(l)), arch.out(l), start, m);
      const Mat<float> x = test.x.middleCols(start, m);
      correct += count_correct<float>(forward<float>(p, x, &noise, ws), test.y.segment(start, m));
    }
    return correct;
  });
}

}  // namespace ns
