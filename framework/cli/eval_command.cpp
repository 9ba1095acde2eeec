// `noisesweep eval WEIGHTS.h5 [RUN.toml]`: the evaluation protocol on a network trained
// elsewhere or earlier: clean accuracy, every noise kind at its levels with repetitions, and
// optionally the clean logits for comparison with another framework.
#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/json_output.hpp"
#include "cli/run_output.hpp"
#include "cli/run_study.hpp"
#include "cli/validators.hpp"
#include "config/toml_input.hpp"
#include "core/error.hpp"
#include "io/logits_file.hpp"
#include "io/posix_file.hpp"
#include "io/weights_file.hpp"
#include "nonideality/nonideality.hpp"

namespace ns::cli {

namespace {

struct EvalOptions {
  std::string weights;
  std::string run_file;
  std::vector<std::string> overrides;
  std::string logits;
  std::string archive;
  bool quiet = false;
  bool json = false;
};

// Data and protocol: the run file when given, else the settings that trained the network (so
// that `eval` of a `train --save-weights` file repeats that run's evaluation bit for bit). The
// network's shape and activation always come from the weights, and the run starts from them
// (not from wherever the network itself started, a file that may be gone).
RunFile eval_settings(const EvalOptions& o, const ModelWeights& weights) {
  RunFile run = o.run_file.empty()
                    ? read_run_text(weights.settings_text,
                                    o.weights +
                                        " (the settings stored with the weights; give a "
                                        "run file to use others)")
                    : read_run_file(o.run_file);
  ModelConfig& model = run.config.model;
  model.hidden.clear();
  for (std::size_t l = 0; l + 1 < weights.layers.size(); ++l)
    model.hidden.push_back(int(weights.layers[l].w.rows()));
  model.activation = weights.activation;
  model.noise_placement = weights.noise_placement;
  run.config.train.epochs = 0;
  run.config.train.init_from = o.weights;
  apply_overrides(run, o.overrides);  // validates the whole
  return run;
}

// Where the settings come from, for the printed header and the written study: weights imported
// from another framework store none, and then the defaults apply.
std::string settings_source(const EvalOptions& o, const std::string& weights_settings) {
  if (!o.run_file.empty()) return "the settings of " + o.run_file;
  return weights_settings.empty() ? "the default settings (the weights store none)"
                                  : "the settings of its training run";
}

// A study name from the archive's file name: letters, digits, '_', '.' and '-' only.
std::string study_name_for(const std::string& archive) {
  std::string name = "eval-" + std::filesystem::path(archive).stem().string();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') c = '_';
  return name;
}

// The evaluation as a one-task study, which `run` computes into an archive like any other. A study
// derives its task's seed from the study seed, so everything drawn from the seed must not matter
// to the network: synthetic data are refused, and the standardisation, which a split drawn from
// the seed may change, is pinned to the values the printed evaluation uses.
std::string eval_study_text(const EvalOptions& o, RunConfig cfg,
                            const std::string& weights_settings) {
  if (cfg.data.name == "synthetic")
    throw Error(fmt::format(
        "eval -o {}: synthetic data are drawn from the run's seed, and a study derives its task's "
        "seed, so the archived task would see other data than the network was trained on; use "
        "IDX data (data.name = \"mnist\", \"fashion\" or \"idx\"), or leave out -o",
        o.archive));
  // MNIST and Fashion-MNIST have fixed defaults; other IDX data are standardised by the
  // statistics of their training split.
  if (cfg.data.name == "idx" && (std::isnan(cfg.data.mean) || std::isnan(cfg.data.std))) {
    const data::DataSplits data = load_run_data(cfg);
    cfg.data.mean = data.mean;
    cfg.data.std = data.std;
  }
  std::string defaults;
  std::istringstream lines(to_toml(cfg));
  for (std::string line; std::getline(lines, line);)
    if (!line.starts_with("seed ")) defaults += line + "\n";
  const std::string source = settings_source(o, weights_settings);
  return fmt::format(
      "# The evaluation of {} with {}{}, written by `noisesweep eval -o`.\n"
      "# `noisesweep run` of this file repeats it. To evaluate several networks into one archive,\n"
      "# sweep train.init_from in [stage.grid]. The task's random streams derive from the study\n"
      "# seed, so its noise draws differ from those `noisesweep eval` prints without -o.\n"
      "name = \"{}\"\nseed = {}\n\n[defaults]\n{}\n[[stage]]\nname = \"eval\"\n",
      o.weights, source, o.overrides.empty() ? "" : " and --set", study_name_for(o.archive),
      cfg.seed, defaults);
}

// With -o: the study written next to the archive (ARCHIVE without .h5 + .toml), then run.
int run_eval_into_archive(const EvalOptions& o, const RunConfig& cfg,
                          const std::string& weights_settings) {
  std::filesystem::path study_file(o.archive);
  study_file.replace_extension(".toml");
  // As `run` creates the archive's folder; a failure is reported by the write below, by path.
  std::error_code ignored;
  if (study_file.has_parent_path())
    std::filesystem::create_directories(study_file.parent_path(), ignored);
  const std::string text = eval_study_text(o, cfg, weights_settings);
  // Never over another file: a study of the user's (`-o studies/x.h5` names studies/x.toml), or
  // the study of another evaluation, whose archive it describes. The same study resumes.
  if (std::filesystem::exists(study_file)) {
    if (read_text_file(study_file.string(), "study file") != text)
      throw Error(fmt::format(
          "eval -o {}: {} exists and is not the study of this evaluation; eval writes its study "
          "there, so give -o another name (or remove that file if it is an earlier evaluation's "
          "that you no longer need, with its archive)",
          o.archive, study_file.string()));
  } else {
    posix::write_file_atomically(study_file.string(), text);
  }
  fmt::print("study of this evaluation: {}\n", study_file.string());
  std::fflush(stdout);
  RunOptions run;
  run.study_file = study_file.string();
  run.archive = o.archive;
  const int status = run_study(run);
  if (status == 0)
    fmt::print("`noisesweep report {}` shows it; `noisesweep run {} -o {}` repeats it\n", o.archive,
               study_file.string(), o.archive);
  return status;
}

// `--json`: the results at full precision, for scripts and for comparison with other runs.
Json eval_json(const EvalOptions& o, const RunConfig& cfg, const RunResult& r) {
  Json doc;
  doc["schema"] = "noisesweep-eval/1";
  doc["weights"] = o.weights;
  doc["settings_from"] = o.run_file.empty() ? o.weights : o.run_file;
  doc["seed"] = cfg.seed;
  doc["test_samples"] = r.test_samples;
  doc["clean_accuracy"] = r.clean_test_accuracy;
  Json kinds = Json::array();
  const NoiseCurves& n = r.noise;
  for (int k = 0; k < int(n.kinds.size()); ++k) {
    Json accuracy = Json::array();
    for (int l = 0; l < int(n.levels[k].size()); ++l) {
      Json repetitions = Json::array();
      for (int rep = 0; rep < n.repetitions; ++rep) repetitions.push_back(n.at(k, l, rep));
      accuracy.push_back(repetitions);
    }
    kinds.push_back({{"kind", to_string(n.kinds[k])},
                     {"unit", n.kinds[k]->levels.unit},
                     {"levels", n.levels[k]},
                     {"accuracy", accuracy}});
  }
  doc["noise"] = kinds;
  return doc;
}

int run_eval(const EvalOptions& o) {
  const ModelWeights weights = load_weights(o.weights);
  const RunFile run = eval_settings(o, weights);
  if (!o.archive.empty()) return run_eval_into_archive(o, run.config, weights.settings_text);
  const MachineMemory machine = machine_memory();
  const MemoryEstimate memory =
      check_memory(run, o.run_file.empty() ? o.weights : o.run_file, machine);
  if (!o.json)
    print_header(
        run.config,
        fmt::format("eval {} with {}", o.weights, settings_source(o, weights.settings_text)),
        memory, machine);
  RunObserver observer = o.quiet || o.json ? RunObserver{} : printing_observer(run.config);
  if (!o.logits.empty())
    observer.tested = [&](const Parameters<float>& p, const data::DataSplits& data) {
      save_logits(o.logits, p, data.test, run.config.eval.chunk,
                  {.weights = o.weights, .data_mean = data.mean, .data_std = data.std});
    };
  const RunResult result = execute_run(run.config, observer, nullptr, false);
  if (o.json) {
    print_json(eval_json(o, run.config, result));
    return 0;
  }
  print_result(result);
  if (!o.logits.empty()) fmt::print("clean logits written to {}\n", o.logits);
  return 0;
}

}  // namespace

Command add_eval_command(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand(
      "eval",
      "Evaluate a saved network as `train` evaluates the networks it trains: clean test\n"
      "accuracy, then every noise kind of eval.kinds at its levels, with repetitions. The\n"
      "network is a weights file: from `train --save-weights`, or imported from PyTorch\n"
      "(README: \"Python: archives as DataFrames, PyTorch both ways\"). Data and protocol come\n"
      "from RUN_FILE and --set; without a run file, from the settings stored in the weights\n"
      "file, so that a network from `train` gets exactly the accuracies that run printed. The\n"
      "network's layer sizes and activation always come from the weights.\n"
      "Example:\n"
      "  noisesweep train studies/runs/mnist-baseline.toml --save-weights base.h5\n"
      "  noisesweep eval base.h5 --set 'eval.kinds=[\"ReadMul\", \"ADC\"]' --logits logits.h5");
  cmd->add_option("weights", o->weights, "Weights file (HDF5) of the network to evaluate")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("run_file", o->run_file,
                  "Run settings (TOML) for the data and the protocol [default: those stored with "
                  "the weights]")
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", o->overrides, "Override a setting, e.g. --set eval.repetitions=10")
      ->type_name("KEY=VALUE");
  CLI::Option* logits =
      cmd->add_option("--logits", o->logits,
                      "Also write the clean logits, predictions and labels of the test set to this "
                      "HDF5 file")
          ->check(output_file("logits.h5"));
  CLI::Option* archive_option =
      cmd->add_option(
             "-o,--archive", o->archive,
             "Run the evaluation as a one-task study into this archive, which `report` and\n"
             "plots.py read like any other (the study goes beside it, ARCHIVE without .h5 +\n"
             ".toml). Its noise draws follow the study's seed, not the training run's.")
          ->check(output_file("eval.h5"))
          ->excludes(logits);
  cmd->add_flag(
         "--json", o->json,
         "Print the results as one JSON object at full precision (schema noisesweep-eval/1:\n"
         "weights, settings_from, seed, test_samples, clean_accuracy, and per kind its\n"
         "unit, levels and accuracy[level][repetition]) and nothing else")
      ->excludes(archive_option);
  cmd->add_flag("-q,--quiet", o->quiet, "Print only the results, not the progress");
  return {cmd, [o] { return run_eval(*o); }};
}

}  // namespace ns::cli
