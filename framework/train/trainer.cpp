#include "train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/error.hpp"
#include "engine/calibration.hpp"
#include "engine/network.hpp"
#include "eval/evaluate.hpp"
#include "optim/optimizer.hpp"

namespace ns {

std::vector<EpochStats> train(Parameters<float>& params, const RunConfig& cfg,
                              const data::DataSplits& data, const rng::Stream& stream,
                              const EpochCallback& on_epoch) {
  const Architecture& arch = params.arch();
  const data::Dataset& set = data.train;
  const int n = set.size();
  if (n == 0) throw Error("the training set is empty");
  const int batch_size = std::min(cfg.train.batch_size, n);
  const RegTerms terms = RegTerms::resolve(cfg.reg, arch);
  const std::unique_ptr<Optimizer> optimizer =
      make_optimizer(cfg.train.optimizer, arch.parameter_count());
  const std::vector<NoiseKind> trained = cfg.trained_kinds();
  const bool calibrated =
      std::any_of(trained.begin(), trained.end(), [](NoiseKind k) { return k->needs_calibration; });

  Workspace<float> ws;
  Parameters<float> grad(arch);
  NetworkNoise<float> noise(arch.layers());
  std::vector<LayerCalibration> calibration;
  Mat<float> x(arch.inputs(), batch_size);
  Eigen::VectorXi y(batch_size);
  Eigen::VectorXi order = Eigen::VectorXi::LinSpaced(n, 0, n - 1);
  std::vector<EpochStats> curve;

  for (int epoch = 1; epoch <= cfg.train.epochs; ++epoch) {
    const auto started = std::chrono::steady_clock::now();
    if (cfg.train.shuffle) order = rng::permutation(stream.child("shuffle").child(epoch), n);
    EpochStats stats;
    stats.epoch = epoch;
    long batches = 0;
    Index correct = 0;
    for (int start = 0; start < n; start += batch_size, ++batches) {
      const int m = std::min(batch_size, n - start);
      x.resize(arch.inputs(), m);
      y.resize(m);
      for (int j = 0; j < m; ++j) {
        x.col(j) = set.x.col(order[start + j]);
        y[j] = set.y[order[start + j]];
      }
      // Noise-aware training: every batch is a new chip with fresh draws of each kind.
      noise.clear();
      if (calibrated) calibration = calibrate(params, x);
      const rng::Stream batch_stream = stream.child("noise").child(epoch).child(batches);
      for (NoiseKind kind : trained) {
        const KindSettings& s = cfg.settings_of(kind);
        draw_noise(noise, {kind, s.train, &s}, DrawPart::Both, params, batch_stream, 0, m,
                   &calibration);
      }
      const LossParts parts =
          loss_and_gradient(params, terms, x, y, trained.empty() ? nullptr : &noise, grad, ws);
      if (!std::isfinite(parts.total)) throw DivergenceError(epoch, batches + 1, parts.total);
      optimizer->step(params.flat(), grad.flat());
      stats.loss += parts.total;
      stats.cross_entropy += parts.cross_entropy;
      correct += parts.correct;
    }
    stats.loss /= double(batches);
    stats.cross_entropy /= double(batches);
    stats.train_accuracy = double(correct) / n;
    stats.validation_accuracy = data.validation.size() > 0
                                    ? clean_accuracy(params, data.validation, cfg.eval.chunk)
                                    : std::nan("");
    stats.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    curve.push_back(stats);
    if (on_epoch) on_epoch(stats);
  }
  return curve;
}

}  // namespace ns
