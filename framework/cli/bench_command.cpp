// `noisesweep bench`: single-core speed of training and noisy evaluation on the paper's
// network, next to this machine's own matrix-multiply rate and one core's FMA peak, the rates of
// the GEMM libraries at the network's products, and, when PyTorch is installed, the PyTorch peer
// (tests/perf/torch_peer.py) measured in the same run.
#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <numeric>
#include <optional>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/fma_peak.hpp"
#include "core/gemm_kernels.hpp"
#include "engine/blis.hpp"
#include "engine/gemm.hpp"
#include "engine/gemm_libraries.hpp"
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
  double gemm_seconds = 0.2;
  bool gemm_only = false;
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

// The ceiling: the engine's own 300x784 by 784x128 float product, the first layer's GEMM.
double gemm_gflops() {
  const Mat<float> a = Mat<float>::Random(300, 784), b = Mat<float>::Random(784, 128);
  Mat<float> c(300, 128);
  const int reps = 200;
  const double s = best_seconds(5, [&] {
    for (int i = 0; i < reps; ++i) gemm::multiply<float>(a, gemm::Op::Plain, b, gemm::Op::Plain, c);
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

// Runs `command` through the shell and returns what it printed (stdout and stderr).
std::string command_output(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return {};
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe.get())) out += buf;
  return out;
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
  const std::string out = command_output(cmd);
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

// The products of the paper's network that bench's training and evaluation compute.
std::vector<gemm::Product> bench_products() {
  const RunConfig cfg;
  return gemm::network_products(make_architecture(784, cfg.model, 10), cfg.train.batch_size,
                                cfg.eval.chunk);
}

// A hash of each product's result on fixed operands: equal hashes, bitwise-equal results.
std::vector<std::uint64_t> result_hashes(const gemm::Library& library,
                                         const std::vector<gemm::Product>& products) {
  std::vector<std::uint64_t> hashes;
  for (const gemm::Product& p : products) {
    const gemm::Operands o = gemm::random_operands(p, rng::Stream(7).child(p.what));
    Mat<float> c(p.m, p.n);
    library.multiply(p, o.a.data(), o.b.data(), c.data());
    hashes.push_back(XXH3_64bits(c.data(), std::size_t(c.size()) * sizeof(float)));
  }
  return hashes;
}

// One column of the GEMM table: a library's GFLOP/s at every product.
struct GemmColumn {
  std::string name, detail;
  std::vector<double> rates;
};

// Every library's column. In rounds, each library and product in turn: every cell is measured
// across the whole time, not in one stretch of the machine's other load.
std::vector<GemmColumn> measure_columns(const std::vector<gemm::Library>& libraries,
                                        const std::vector<gemm::Product>& products,
                                        double seconds) {
  constexpr int rounds = 2;
  std::vector<GemmColumn> columns;
  for (const gemm::Library& library : libraries)
    columns.push_back({library.name, library.detail, std::vector<double>(products.size(), 0.0)});
  for (int round = 0; round < rounds; ++round)
    for (std::size_t i = 0; i < products.size(); ++i)
      for (std::size_t l = 0; l < libraries.size(); ++l)
        columns[l].rates[i] = std::max(columns[l].rates[i],
                                       gemm::gflops(libraries[l], products[i], seconds / rounds));
  return columns;
}

// One core's FMA peak, and every library's GFLOP/s and share of it at every product.
void print_gemm_libraries(const BenchOptions& o, const FmaPeak& peak) {
  const std::vector<gemm::Product> products = bench_products();
  std::vector<gemm::Library> candidates = {gemm::eigen_library()};
  const std::vector<std::string> configs = blis::configurations_for_this_cpu();
  for (const std::string& config : configs) candidates.push_back(gemm::blis_library(config));
  candidates.push_back(gemm::openblas_library());
  candidates.push_back(gemm::engine_library());
  std::vector<gemm::Library> libraries;
  std::vector<std::string> notes;
  for (const gemm::Library& library : candidates) {
    if (library.missing.empty())
      libraries.push_back(library);
    else
      notes.push_back(fmt::format("{}: not measured, {}", library.name, library.missing));
  }
  const std::vector<GemmColumn> columns = measure_columns(libraries, products, o.gemm_seconds);
  // Whether BLIS's configurations agree bit for bit: the same kernels blocked differently may.
  if (configs.size() > 1) {
    const std::vector<std::uint64_t> first =
        result_hashes(gemm::blis_library(configs[0]), products);
    for (std::size_t i = 1; i < configs.size(); ++i) {
      const std::vector<std::uint64_t> other =
          result_hashes(gemm::blis_library(configs[i]), products);
      const auto same = std::inner_product(first.begin(), first.end(), other.begin(), 0,
                                           std::plus<>(), std::equal_to<>());
      notes.push_back(fmt::format("BLIS {} and BLIS {}: bitwise-equal results in {} of {} products",
                                  configs[0], configs[i], same, products.size()));
    }
  }

  fmt::print(
      "\nGEMM libraries: one thread, float, at the network's products; GFLOP/s and % of "
      "the FMA peak\n{:<50}",
      "");
  std::size_t width = 12;  // a rate and its share, "  105.3  89%", or a longer name
  for (const GemmColumn& c : columns) width = std::max(width, c.name.size() + 2);
  for (const GemmColumn& c : columns) fmt::print("{:>{}}", c.name, width);
  fmt::print("\n");
  auto cell = [&](double rate) {
    return fmt::format("{:6.1f} {:3.0f}%", rate, 100 * rate / peak.gflops);
  };
  for (bool training : {true, false}) {
    const RunConfig cfg;
    fmt::print("{}\n", training ? fmt::format("training step, batch {}", cfg.train.batch_size)
                                : fmt::format("noisy-evaluation block, {} samples past the first "
                                              "layer",
                                              cfg.eval.chunk));
    int count = 0;
    for (std::size_t i = 0; i < products.size(); ++i) {
      if (products[i].training != training) continue;
      ++count;
      fmt::print("  {:<26}{:<22}", products[i].what, products[i].operands());
      for (const GemmColumn& c : columns) fmt::print("{:>{}}", cell(c.rates[i]), width);
      fmt::print("\n");
    }
    // The rate of all of them in a row: their FLOPs over the sum of their times.
    fmt::print("  {:<48}", fmt::format("all {} products", count));
    for (const GemmColumn& c : columns) {
      double flops = 0, seconds = 0;
      for (std::size_t i = 0; i < products.size(); ++i)
        if (products[i].training == training)
          flops += products[i].flops(), seconds += products[i].flops() / c.rates[i];
      fmt::print("{:>{}}", cell(flops / seconds), width);
    }
    fmt::print("\n");
  }
  for (const GemmColumn& c : columns) fmt::print("{}: {}\n", c.name, c.detail);
  for (const std::string& note : notes) fmt::print("{}\n", note);
  fmt::print("engine's choice: {}, {}\n", gemm_description(), gemm_kernels().why);
  fmt::print(
      "(peak and GEMM rates: the best of short samples of this thread's CPU time, which a "
      "loaded\n machine lowers little{})\n",
      o.gemm_only ? "" : "; the training and evaluation rows: the wall time of one run");
}

void print_peak(const FmaPeak& peak) {
  fmt::print("machine: one core's float FMA peak: {:.1f} GFLOP/s ({}, {} independent FMA chains)\n",
             peak.gflops, peak.isa, peak.chains);
}

int bench(const BenchOptions& o) {
  const FmaPeak peak = measure_fma_peak(0.3);
  if (o.gemm_only) {
    print_peak(peak);
    print_gemm_libraries(o, peak);
    return 0;
  }
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

  fmt::print(
      "engine: single-core float GEMM 300x784 * 784x128: {:.1f} GFLOP/s (the ceiling;\n"
      "        {})\n",
      ceiling, gemm_description());
  print_peak(peak);
  fmt::print(
      "network: {} {}, Adagrad, batch {}; evaluation: {} test samples, {} levels x {} "
      "repetitions per kind\n\n",
      fmt::join(arch.sizes, "-"), to_string(arch.activation), cfg.train.batch_size, o.eval_samples,
      o.levels, o.draws);
  auto row = [&](const char* what, double rate, double flops) {
    fmt::print("{:<40} {:>10.0f} samples/s  {:>6.1f} GFLOP/s  ({:.0f}% of GEMM, {:.0f}% of peak)\n",
               what, rate, rate * flops / 1e9, 100 * rate * flops / 1e9 / ceiling,
               100 * rate * flops / 1e9 / peak.gflops);
  };
  row("train, 1 epoch", train_rate, train_flops_per_sample);
  row("noisy eval, all 4 kinds (fast path)", protocol, eval_flops_per_sample);
  row("noisy eval, AddUnc alone (fast path)", unc, eval_flops_per_sample);
  row("noisy eval, AddCor alone (fast path)", cor, eval_flops_per_sample);
  row("noisy eval, AddUnc (naive passes)", naive, eval_flops_per_sample);
  fmt::print(
      "(noisy-eval rates count sample-passes; GFLOP/s count the FLOPs of a naive pass, so\n"
      " the fast path can exceed 100%)\n");
  print_gemm_libraries(o, peak);

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
        "ratios (ours / PyTorch): training {:.2f}x (goal >= 2x); noisy eval, protocol {:.2f}x "
        "(goal >= 6x; AddUnc alone {:.2f}x, AddCor alone {:.2f}x)\n",
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
      "random data of MNIST shape, against this machine's GEMM rate, one core's FMA peak and the\n"
      "PyTorch peer; and the GEMM libraries' rates (Eigen, BLIS, OpenBLAS) at the network's\n"
      "products.");
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
  cmd->add_option("--gemm-seconds", o->gemm_seconds,
                  "Seconds of measurement per GEMM library and product")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag(
      "--gemm-only", o->gemm_only,
      "Only the FMA peak and the GEMM libraries' rates (no training, evaluation or peer)");
  // Internal: bench runs itself with another BLIS configuration (BLIS picks one per process).
  return {cmd, [o] { return bench(*o); }};
}

}  // namespace ns::cli
