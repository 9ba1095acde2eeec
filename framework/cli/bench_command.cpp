// `noisesweep bench`: single-core speed of training and noisy evaluation on the paper's
// network, next to this machine's own matrix-multiply rate and, when PyTorch is installed, the
// PyTorch peer (tests/perf/torch_peer.py) measured in the same run.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "eval/evaluate.hpp"
#include "nonideality/registry.hpp"
#include "train/trainer.hpp"

namespace ns::cli {

namespace {

struct BenchOptions {
  int train_samples = 48000;
  int eval_samples = 10000;
  int draws = 3;
  int levels = 10;
  double variance = 0.1;
  int naive_samples = 200;
  std::string peer = NOISESWEEP_SOURCE_DIR "/tests/perf/torch_peer.py";
  std::string python = "/usr/bin/python3";
  bool no_peer = false;
};

template <class F>
double best_seconds(int repeats, F&& f) {
  double best = 1e300;
  for (int i = 0; i < repeats; ++i) {
    const auto t = std::chrono::steady_clock::now();
    f();
    best =
        std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
  }
  return best;
}

// The ceiling: a 300x784 by 784x128 float product, the first layer's GEMM.
double gemm_gflops() {
  const Mat<float> a = Mat<float>::Random(300, 784), b = Mat<float>::Random(784, 128);
  Mat<float> c(300, 128);
  const int reps = 200;
  const double s = best_seconds(5, [&] {
    for (int i = 0; i < reps; ++i) c.noalias() = a * b;
  });
  return 2.0 * 300 * 784 * 128 * reps / s / 1e9;
}

data::Dataset random_set(int n, const rng::Stream& s) {
  data::Dataset d;
  d.classes = 10;
  d.x.resize(784, n);
  rng::fill_normal(s.child("x"), 0, d.x.data(), d.x.size(), 1.0f);
  d.y.resize(n);
  for (int i = 0; i < n; ++i) d.y[i] = int(s.child("y").below(i, 10));
  return d;
}

struct PeerNumbers {
  double train_samples_per_s = 0, eval_samples_per_s = 0;
  std::string description;
};

// Runs the PyTorch peer and reads its one line of JSON; nullopt when torch is missing.
// `openblas_core`: "detect" is OpenBLAS's own choice of kernels (Debian's torch as installed),
// "auto" the kernels for this CPU's instruction set (see torch_peer.py).
std::optional<PeerNumbers> run_peer(const BenchOptions& o, const std::string& openblas_core) {
  const std::string cmd = fmt::format(
      "{} {} --train-samples {} --eval-samples {} --eval-draws {} --noise-variance {} "
      "--openblas-core {} 2>&1",
      o.python, o.peer, o.train_samples, o.eval_samples, o.draws, o.variance, openblas_core);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) return std::nullopt;
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe.get())) out += buf;
  auto number = [&](const std::string& key) -> std::optional<double> {
    const auto at = out.find("\"" + key + "\":");
    if (at == std::string::npos) return std::nullopt;
    return std::stod(out.substr(at + key.size() + 3));
  };
  const auto train = number("train_samples_per_s"), eval = number("eval_samples_per_s");
  if (!train || !eval) {
    fmt::print("PyTorch peer did not run ({}):\n{}\n", cmd, out);
    return std::nullopt;
  }
  const auto version = out.find("\"torch_version\":");
  return PeerNumbers{
      *train, *eval,
      version == std::string::npos ? "" : out.substr(version, out.find(',', version) - version)};
}

int bench(const BenchOptions& o) {
  RunConfig cfg;  // the paper's network and optimiser: 784-300-300-10 sigmoid, Adagrad, batch 128
  cfg.train.epochs = 1;
  const Architecture arch = make_architecture(784, cfg.model, 10);
  const rng::Stream s(2024);
  data::DataSplits d{.train = random_set(o.train_samples, s.child("train")),
                     .validation = {},
                     .test = random_set(o.eval_samples, s.child("test"))};

  const double ceiling = gemm_gflops();
  const double m = arch.forward_macs(), first = double(arch.in(0)) * arch.out(0);
  // Forward, weight gradients, and input gradients of every layer but the first.
  const double train_flops_per_sample = 2 * (3 * m - first);
  const double eval_flops_per_sample = 2 * m;

  Parameters<float> p = init_parameters<float>(arch, s.child("init"));
  const double train_s = best_seconds(1, [&] { train(p, cfg, d, s.child("train-run")); });
  const double train_rate = o.train_samples / train_s;

  // The evaluation protocol: every kind alone at several levels, repeated. The clean first
  // layer is shared by all of a call's passes, as it is in a real evaluation.
  RunConfig e;
  e.eval.levels = log_spaced(1e-3, 1.0, o.levels);
  e.eval.repetitions = o.draws;
  // Sample-passes per second over `samples` test samples; every kind at o.levels of its levels.
  auto eval_rate = [&](std::vector<NoiseKind> kinds, EvalPath path, Index samples) {
    e.eval.kinds = kinds;
    for (NoiseKind k : kinds) {
      std::vector<double> own = RunConfig{}.levels_of(k);
      own.resize(std::min<std::size_t>(own.size(), std::size_t(o.levels)));
      e.settings_of(k).levels = own;
    }
    const data::Dataset test{d.test.x.leftCols(samples), d.test.y.head(samples)};
    double passes = 0;
    for (NoiseKind k : kinds) passes += double(e.levels_of(k).size()) * e.eval.repetitions;
    const double t = best_seconds(1, [&] { evaluate_noise(p, test, e, s.child("eval"), path); });
    return double(samples) * passes / t;
  };
  const RunConfig paper;
  const double protocol = eval_rate(paper.eval.kinds, EvalPath::Fast, o.eval_samples);
  const double unc = eval_rate({find_nonideality("AddUnc")}, EvalPath::Fast, o.eval_samples);
  const double cor = eval_rate({find_nonideality("AddCor")}, EvalPath::Fast, o.eval_samples);
  const double naive = eval_rate({find_nonideality("AddUnc")}, EvalPath::Naive, o.eval_samples);

  fmt::print("machine: single-core float GEMM 300x784 * 784x128: {:.1f} GFLOP/s (the ceiling)\n",
             ceiling);
  fmt::print(
      "network: {} {}, Adagrad, batch {}; evaluation: {} test samples, {} levels x {} "
      "repetitions per kind\n\n",
      fmt::join(arch.sizes, "-"), to_string(arch.activation), cfg.train.batch_size, o.eval_samples,
      o.levels, o.draws);
  auto row = [&](const char* what, double rate, double flops) {
    fmt::print("{:<40} {:>10.0f} samples/s  {:>6.1f} GFLOP/s  ({:.0f}% of GEMM)\n", what, rate,
               rate * flops / 1e9, 100 * rate * flops / 1e9 / ceiling);
  };
  row("train, 1 epoch", train_rate, train_flops_per_sample);
  row("noisy eval, all 4 kinds (fast path)", protocol, eval_flops_per_sample);
  row("noisy eval, AddUnc alone (fast path)", unc, eval_flops_per_sample);
  row("noisy eval, AddCor alone (fast path)", cor, eval_flops_per_sample);
  row("noisy eval, AddUnc (naive passes)", naive, eval_flops_per_sample);
  fmt::print(
      "(noisy-eval rates count sample-passes; GFLOP/s count the FLOPs of a naive pass, so\n"
      " the fast path can exceed 100%)\n");

  // Every other nonideality: its evaluation path against the plain reference where they
  // differ (read noise draws every weight per sample there, so a few samples suffice).
  fmt::print("\nnonidealities, noisy eval (sample-passes/s): fast path, plain reference, ratio\n");
  for (NoiseKind kind : all_nonidealities()) {
    if (std::find(paper.eval.kinds.begin(), paper.eval.kinds.end(), kind) != paper.eval.kinds.end())
      continue;
    const double fast = eval_rate({kind}, EvalPath::Fast, o.eval_samples);
    if (!kind->draw_naive && !kind->evaluate) {
      fmt::print("  {:<12} {:>10.0f}  (one path: {})\n", kind->name, fast,
                 kind->per_chip ? "drawn once per chip (repetition), then clean-speed passes"
                                : "plain passes");
      continue;
    }
    const double plain =
        eval_rate({kind}, EvalPath::Naive, std::min<Index>(o.eval_samples, o.naive_samples));
    fmt::print("  {:<12} {:>10.0f} {:>10.1f}  {:.0f}x\n", kind->name, fast, plain, fast / plain);
  }

  if (o.no_peer) return 0;
  struct Peer {
    const char* core;
    const char* what;
  };
  for (const Peer& variant : {Peer{"detect", "as Debian installs it (OpenBLAS picks its kernels)"},
                              Peer{"auto", "OpenBLAS forced to this CPU's best kernels"}}) {
    const std::optional<PeerNumbers> peer = run_peer(o, variant.core);
    if (!peer) {
      fmt::print("\nPyTorch peer skipped: install python3-torch and libopenblas0 to compare.\n");
      return 0;
    }
    fmt::print("\nPyTorch peer ({}), 1 thread, {}:\n", peer->description, variant.what);
    row("torch train, 1 epoch", peer->train_samples_per_s, train_flops_per_sample);
    row("torch naive noisy eval AddUnc", peer->eval_samples_per_s, eval_flops_per_sample);
    fmt::print(
        "ratios (ours / PyTorch): training {:.2f}x (goal >= 1.5x); noisy eval, protocol {:.2f}x "
        "(goal >= 5x; AddUnc alone {:.2f}x, AddCor alone {:.2f}x)\n",
        train_rate / peer->train_samples_per_s, protocol / peer->eval_samples_per_s,
        unc / peer->eval_samples_per_s, cor / peer->eval_samples_per_s);
  }
  return 0;
}

}  // namespace

Command add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand(
      "bench",
      "Single-core speed of training (one epoch) and noisy evaluation of the paper's network on\n"
      "random data of MNIST shape, against this machine's GEMM rate and the PyTorch peer.");
  cmd->add_option("--train-samples", o->train_samples, "Samples in the training epoch")
      ->capture_default_str();
  cmd->add_option("--eval-samples", o->eval_samples, "Test samples per noisy pass")
      ->capture_default_str();
  cmd->add_option("--draws", o->draws, "Repetitions per noise level")->capture_default_str();
  cmd->add_option("--levels", o->levels, "Noise levels per kind (log-spaced 1e-3..1)")
      ->capture_default_str();
  cmd->add_option("--variance", o->variance, "Noise variance of the PyTorch peer's passes")
      ->capture_default_str();
  cmd->add_option("--naive-samples", o->naive_samples,
                  "Test samples for the plain reference of read noise (it draws every weight "
                  "per sample)")
      ->capture_default_str();
  cmd->add_option("--peer", o->peer, "The PyTorch peer script")->capture_default_str();
  cmd->add_option("--python", o->python, "Python with torch installed")->capture_default_str();
  cmd->add_flag("--no-peer", o->no_peer, "Do not run the PyTorch peer");
  return {cmd, [o] { return bench(*o); }};
}

}  // namespace ns::cli
