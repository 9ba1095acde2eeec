#include "train/run.hpp"

#include <fmt/format.h>
#include <chrono>

#include "core/error.hpp"
#include "data/load.hpp"

namespace ns {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string shape(const std::vector<int>& sizes) {
  return fmt::format("{}", fmt::join(sizes, "-"));
}

}  // namespace

ModelWeights to_weights(const Parameters<float>& p, const std::string& settings_text) {
  ModelWeights w;
  w.activation = p.arch().activation;
  w.noise_placement = p.arch().noise_placement;
  w.settings_text = settings_text;
  for (int l = 0; l < p.arch().layers(); ++l) w.layers.push_back({p.w(l), p.b(l)});
  return w;
}

Parameters<float> from_weights(const ModelWeights& w, const Architecture& arch,
                               const std::string& file) {
  std::vector<int> sizes{int(w.layers.front().w.cols())};
  for (const LayerWeights& l : w.layers) sizes.push_back(int(l.w.rows()));
  if (sizes != arch.sizes)
    throw Error(fmt::format("{}: the weights are for a {} network, but the run builds {}", file,
                            shape(sizes), shape(arch.sizes)));
  if (w.activation != arch.activation)
    throw Error(fmt::format("{}: the weights were trained with {} activations, the run uses {}",
                            file, to_string(w.activation), to_string(arch.activation)));
  Parameters<float> p(arch);
  for (int l = 0; l < arch.layers(); ++l) {
    p.w(l) = w.layers[l].w;
    p.b(l) = w.layers[l].b;
  }
  return p;
}

data::DataSplits load_run_data(const RunConfig& cfg) {
  // The run stream's child "data", as for every other part of a run (execute_run).
  return data::load_data(cfg.data, rng::Stream(cfg.seed).child("data"));
}

RunResult execute_run(const RunConfig& cfg, const RunObserver& observer,
                      const ModelWeights* initial, bool with_stats) {
  auto phase = [&](const std::string& what) {
    if (observer.phase) observer.phase(what);
  };
  // Every random stream of the run derives from its seed, each under its own name.
  const rng::Stream run(cfg.seed);
  phase("loading data");
  const data::DataSplits data = load_run_data(cfg);
  const Architecture arch = make_architecture(data.train.features(), cfg.model, data.train.classes);

  RunResult r;
  r.data_mean = data.mean;
  r.data_std = data.std;
  r.train_samples = data.train.size();
  r.validation_samples = data.validation.size();
  r.test_samples = data.test.size();
  if (initial)
    r.params = from_weights(*initial, arch, "the parent task's weights");
  else if (!cfg.train.init_from.empty())
    r.params = from_weights(load_weights(cfg.train.init_from), arch, cfg.train.init_from);
  else
    r.params = init_parameters<float>(arch, run.child("init"));

  auto t = std::chrono::steady_clock::now();
  if (cfg.train.epochs > 0) phase("training");
  r.curve = train(r.params, cfg, data, run.child("train"), observer.epoch);
  r.train_seconds = seconds_since(t);

  t = std::chrono::steady_clock::now();
  phase("evaluating");
  r.clean_test_accuracy = clean_accuracy(r.params, data.test, cfg.eval.chunk);
  r.noise = evaluate_noise(r.params, data.test, cfg, run.child("eval"));
  if (with_stats) r.stats = network_stats(r.params, data.test, cfg.eval.chunk);
  r.eval_seconds = seconds_since(t);
  if (observer.tested) observer.tested(r.params, data);
  return r;
}

}  // namespace ns
