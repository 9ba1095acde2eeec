#include "eval/evaluate.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numeric>

#include "engine/calibration.hpp"
#include "engine/loss.hpp"
#include "engine/network.hpp"
#include "nonideality/eval_job.hpp"

namespace ns {

namespace {

// The generic path: per repetition one chip (per-chip draws, on every block), and per block of
// samples fresh per-sample draws; each block is a plain forward pass.
KindAccuracies evaluate_generic(const EvalJob& job, bool naive) {
  const Parameters<float>& p = *job.params;
  const data::Dataset& test = *job.test;
  Workspace<float> ws;
  NetworkNoise<float> chip(p.arch().layers()), pass(p.arch().layers());
  KindAccuracies accuracy;
  for (std::size_t l = 0; l < job.levels.size(); ++l)
    for (int r = 0; r < job.repetitions; ++r) {
      const rng::Stream s = job.stream.child(l).child(std::uint64_t(r));
      const NoiseDraw what{job.kind, job.levels[l], job.settings, naive};
      chip.clear();
      draw_noise(chip, what, DrawPart::PerChip, p, s, 0, 0, job.calibration);
      Index correct = 0;
      for (Index start = 0; start < test.size(); start += job.chunk) {
        const Index m = std::min<Index>(job.chunk, test.size() - start);
        pass = chip;
        draw_noise(pass, what, DrawPart::PerSample, p, s, start, m, job.calibration);
        const Mat<float> x = test.x.middleCols(start, m);
        correct += count_correct<float>(forward<float>(p, x, &pass, ws), test.y.segment(start, m));
      }
      accuracy.push_back(double(correct) / test.size());
    }
  return accuracy;
}

}  // namespace

std::size_t NoiseCurves::offset(int k) const {
  std::size_t n = 0;
  for (int i = 0; i < k; ++i) n += levels[i].size() * std::size_t(repetitions);
  return n;
}

bool NoiseCurves::levels_shared() const {
  return std::all_of(levels.begin(), levels.end(),
                     [&](const std::vector<double>& l) { return l == levels.front(); });
}

std::string NoiseCurves::problem() const {
  if (repetitions < 0) return fmt::format("negative repetitions {}", repetitions);
  if (levels.size() != kinds.size())
    return fmt::format("{} level lists for {} noise kinds", levels.size(), kinds.size());
  std::size_t expected = 0;
  for (const auto& l : levels) expected += l.size() * std::size_t(repetitions);
  if (accuracy.size() != expected)
    return fmt::format("{} noise accuracies where the kinds' levels x {} repetitions make {}",
                       accuracy.size(), repetitions, expected);
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
                           const RunConfig& cfg, const rng::Stream& stream, EvalPath path) {
  NoiseCurves c;
  c.kinds = cfg.eval.kinds;
  c.repetitions = cfg.eval.repetitions;
  std::vector<LayerCalibration> calibration;
  for (NoiseKind kind : c.kinds)
    if (kind->needs_calibration && calibration.empty()) calibration = calibrate(p, test.x);
  for (NoiseKind kind : c.kinds) {
    const KindSettings& settings = cfg.settings_of(kind);
    EvalJob job{.params = &p,
                .test = &test,
                .kind = kind,
                .settings = &settings,
                .levels = cfg.levels_of(kind),
                .repetitions = cfg.eval.repetitions,
                .chunk = cfg.eval.chunk,
                .stream = stream.child(kind->name),
                .acts_on = layers_acted_on(kind, settings, p.arch().layers()),
                .calibration = &calibration};
    const KindAccuracies a = path == EvalPath::Fast && kind->evaluate
                                 ? kind->evaluate(job)
                                 : evaluate_generic(job, path == EvalPath::Naive);
    c.levels.push_back(job.levels);
    c.accuracy.insert(c.accuracy.end(), a.begin(), a.end());
  }
  return c;
}

}  // namespace ns
