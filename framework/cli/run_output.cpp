#include "cli/run_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "data/load.hpp"
#include "nonideality/nonideality.hpp"
#include "study/data_shape.hpp"
#include "study/memory_check.hpp"

namespace ns::cli {

namespace {

double median_abs_row_sum(const Parameters<float>& p, int l) {
  Vec<float> sums = p.w(l).rowwise().sum().cwiseAbs();
  std::sort(sums.begin(), sums.end());
  const Index n = sums.size();
  return n % 2 ? sums[n / 2] : 0.5 * (sums[n / 2 - 1] + sums[n / 2]);
}

}  // namespace

// "--set train.epochs=3" is the TOML line "train.epochs = 3" applied over the run file.
void apply_overrides(RunFile& run, const std::vector<std::string>& overrides) {
  for (const std::string& o : overrides) {
    const auto eq = o.find('=');
    const SourcePlace place{"--set " + o};
    if (eq == std::string::npos) throw ConfigError(place, "", "expected KEY=VALUE");
    const std::string key = o.substr(0, eq);
    const std::string value = o.substr(eq + 1);
    // One value per --set: a newline would smuggle in more lines, silently ignored before.
    if (value.find_first_of("\r\n") != std::string::npos)
      throw ConfigError(place, key, "the value spans several lines; give one --set per setting");
    toml::table t;
    try {
      t = toml::parse("v = " + value);
    } catch (const toml::parse_error& e) {
      // The usual cause: a string without quotes, which the shell has already removed.
      const bool bare_word = !value.empty() && std::isalpha(static_cast<unsigned char>(value[0]));
      throw ConfigError(
          place, key,
          fmt::format("not a TOML value: {}{}", e.description(),
                      bare_word ? fmt::format("; a string needs TOML quotes, which "
                                              "the shell must keep: --set '{}=\"{}\"'",
                                              key, value)
                                : ""));
    }
    apply_setting(run.config, key, *t.get("v"), place);
    run.places[key] = place;
    run.text += fmt::format("\n# --set\n{} = {}\n", key, o.substr(eq + 1));
  }
  validate(run.config, run.places, "command line");
}

// Checked before anything is allocated: a run too large for this machine stops here, naming the
// setting to blame at its place in the run file, instead of dying of bad_alloc minutes later.
// A run that fits but comes close is warned about, once.
MemoryEstimate check_memory(const RunFile& run, const std::string& file,
                            const MachineMemory& machine) {
  const MemoryEstimate e = estimate_run_memory(run.config, data_shape(run.config.data), true);
  const auto place = run.places.find(e.largest().key);
  refuse_if_too_large(e, machine, place != run.places.end() ? place->second : SourcePlace{file},
                      "the run");
  if (judge_memory(e.total(), machine) == MemoryFit::Close)
    fmt::print(stderr, "noisesweep: warning: the run {}\n", close_text(e, machine));
  return e;
}

void print_header(const RunConfig& c, const std::string& title, const MemoryEstimate& memory,
                  const MachineMemory& machine) {
  fmt::print("{}  (seed {})\n", title, c.seed);
  const int classes = data::class_count(c.data);
  fmt::print("data: {}, {}\n", c.data.name,
             classes > 0 ? fmt::format("{} classes ({})", classes, data::class_count_source(c.data))
                         : data::class_count_source(c.data));
  fmt::print("model: hidden {} {}, noise {} the activation\n", fmt::join(c.model.hidden, "-"),
             to_string(c.model.activation), to_string(c.model.noise_placement));
  const OptimizerConfig& o = c.train.optimizer;
  if (c.train.epochs > 0)
    fmt::print("train: {} lr {}, {} epochs, batch {}, {}{}\n", to_string(o.kind), o.lr,
               c.train.epochs, c.train.batch_size, c.train.shuffle ? "shuffled" : "fixed order",
               c.train.init_from.empty() ? "" : ", from " + c.train.init_from);
  fmt::print("memory: about {} at its peak ({}); this machine has {} ({})\n",
             bytes_text(memory.total()), memory.phase, bytes_text(machine.bytes), machine.source);
}

void print_result(const RunResult& r) {
  const Architecture& arch = r.params.arch();
  fmt::print("\nclean test accuracy: {:.2f}%  ({} test images)\n", 100 * r.clean_test_accuracy,
             r.test_samples);
  fmt::print("median |row sum| of receiving layers:");
  for (int l = 1; l < arch.layers(); ++l)
    fmt::print("  W{} {:.4g}", l + 1, median_abs_row_sum(r.params, l));
  fmt::print("\n");
  const NoiseCurves& n = r.noise;
  if (n.kinds.empty()) return;
  fmt::print("\naccuracy under noise, % (mean ± std over {} repetitions)\n", n.repetitions);
  // One table per run of kinds that share their levels (the paper's four do).
  for (int first = 0, end = 0; first < int(n.kinds.size()); first = end) {
    for (end = first + 1; end < int(n.kinds.size()) && n.levels[end] == n.levels[first];) ++end;
    fmt::print("\n{:>12}", n.kinds[first]->levels.symbol);
    for (int k = first; k < end; ++k) fmt::print("  {:>15}", to_string(n.kinds[k]));
    fmt::print("\n");
    for (int l = 0; l < int(n.levels[first].size()); ++l) {
      fmt::print("{:>12.4g}", n.levels[first][l]);
      for (int k = first; k < end; ++k)
        fmt::print("  {:>7.2f} ± {:<5.2f}", 100 * n.mean(k, l), 100 * n.std(k, l));
      fmt::print("\n");
    }
  }
  if (r.curve.empty())
    fmt::print("\nevaluation {:.1f} s\n", r.eval_seconds);
  else
    fmt::print("\ntrain {:.1f} s, evaluation {:.1f} s\n", r.train_seconds, r.eval_seconds);
}

RunObserver printing_observer(const RunConfig& c) {
  RunObserver observer;
  observer.phase = [](const std::string& what) {
    fmt::print("{}...\n", what);
    std::fflush(stdout);
  };
  observer.epoch = [epochs = c.train.epochs](const EpochStats& e) {
    fmt::print(
        "epoch {:>3}/{}  loss {:.4f}  ce {:.4f}  train {:6.2f}%  validation {:6.2f}%  {:.1f} s\n",
        e.epoch, epochs, e.loss, e.cross_entropy, 100 * e.train_accuracy,
        100 * e.validation_accuracy, e.seconds);
    std::fflush(stdout);
  };
  return observer;
}

}  // namespace ns::cli
