// Memory estimates and the checks built on them: counts against a count by hand, and every
// hostile size refused with the setting to blame, before anything is allocated.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>

#include "core/machine_memory.hpp"
#include "study/data_shape.hpp"
#include "study/memory_check.hpp"
#include "study/memory_estimate.hpp"
#include "study/plan.hpp"
#include "study/study.hpp"
#include "study/study_memory.hpp"

using namespace ns;
using Catch::Matchers::Contains;

namespace {

// A small synthetic run: 20 features, 4 classes, hidden 8-6; 3000 samples of which 500 are the
// test set and the other 2500 split 2000 / 500.
RunConfig small_run() {
  RunConfig cfg;
  cfg.data.name = "synthetic";
  cfg.model.hidden = {8, 6};
  return cfg;
}

const MemoryEstimate& phase(const std::vector<MemoryEstimate>& phases, const std::string& name) {
  for (const MemoryEstimate& p : phases)
    if (p.phase == name) return p;
  FAIL("no phase " << name);
  throw;
}

// A time limit of `seconds`, multiplied by NOISESWEEP_TEST_TIME_SCALE when the environment sets
// it: the sanitizer build (tests/CMakeLists.txt) runs the same code several times slower.
std::chrono::duration<double> time_limit(double seconds) {
  const char* text = std::getenv("NOISESWEEP_TEST_TIME_SCALE");
  const double scale = text ? std::atof(text) : 0;
  return std::chrono::duration<double>(seconds * (scale > 0 ? scale : 1));
}

double term(const MemoryEstimate& e, const std::string& what_starts) {
  for (const MemoryTerm& t : e.terms)
    if (t.what.starts_with(what_starts)) return t.bytes;
  FAIL("no term '" << what_starts << "' in phase " << e.phase);
  return 0;
}

// A machine of the given size, so that the rule is tested whatever this machine has.
MachineMemory machine_of(double bytes) {
  return {bytes, "a test machine"};
}

std::string refusal(const MemoryEstimate& e, const MachineMemory& m) {
  try {
    refuse_if_too_large(e, m, {"run.toml", 3, 1}, "the run");
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "no error";
}

std::string study_error(const std::string& text, const MachineMemory& m) {
  try {
    parse_study_text(text, "study.toml", &m);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("the parameters and the data are counted as a count by hand gives them", "[memory]") {
  RunConfig cfg = small_run();
  const DataShape shape = data_shape(cfg.data);
  REQUIRE(shape.inputs == 20);
  REQUIRE(shape.classes == 4);
  // Layer by layer, weights (out x in) and biases (out): 20 -> 8 -> 6 -> 4.
  const double by_hand = (20 * 8 + 8) + (8 * 6 + 6) + (6 * 4 + 4);
  CHECK(parameter_count(cfg, shape) == by_hand);

  // While training: the weights, the gradient and Adagrad's sum of squares, in float32.
  auto training = [&] { return phase(run_memory_phases(cfg, shape, true), "training"); };
  CHECK(term(training(), "weights, gradient") == by_hand * 4 * 3);
  cfg.train.optimizer.kind = OptimizerKind::Adam;  // two moments
  CHECK(term(training(), "weights, gradient") == by_hand * 4 * 4);
  cfg.train.optimizer.kind = OptimizerKind::Sgd;  // no state without momentum
  CHECK(term(training(), "weights, gradient") == by_hand * 4 * 2);
  cfg.train.optimizer.momentum = 0.9;
  CHECK(term(training(), "weights, gradient") == by_hand * 4 * 3);

  // The data: 3000 samples of 20 float32 features and an int label, twice while loading (the
  // pools and the split's copies); once held afterwards, plus the training order and its
  // reshuffle (2000 ints each).
  const auto phases = run_memory_phases(cfg, shape, true);
  CHECK(term(phase(phases, "loading"), "the data set while loading") == 2 * 3000 * (20 * 4 + 4));
  CHECK(term(phase(phases, "training"), "the data set") ==
        (2000 + 500 + 500) * (20 * 4 + 4) + 2 * 2000 * 4);
  // The accuracies: 4 kinds x 40 levels x 3 repetitions in float64, three times over.
  CHECK(term(phase(phases, "evaluating"), "the noise accuracies") == 3 * 8 * 4 * 40 * 3);

  // The peak is the largest phase, and its total is the sum of its terms.
  const MemoryEstimate peak = estimate_run_memory(cfg, shape, true);
  for (const MemoryEstimate& p : phases) CHECK(peak.total() >= p.total());
  double sum = 0;
  for (const MemoryTerm& t : peak.terms) sum += t.bytes;
  CHECK(peak.total() == sum);
}

TEST_CASE("each hostile size is blamed on the setting that makes it", "[memory]") {
  struct Case {
    const char* name;
    void (*set)(RunConfig&);
    const char* key;
  };
  const Case cases[] = {
      {"one hidden layer of 10^9", [](RunConfig& c) { c.model.hidden = {1'000'000'000}; },
       "model.hidden"},
      {"two hidden layers of 50000",
       [](RunConfig& c) {
         c.model.hidden = {50000, 50000};
       },
       "model.hidden"},
      {"2e9 synthetic samples",
       [](RunConfig& c) {
         c.data.name = "synthetic";
         c.data.synthetic_samples = 2'000'000'000;
       },
       "data.synthetic.samples"},
      {"2e9 synthetic features",
       [](RunConfig& c) {
         c.data.name = "synthetic";
         c.data.synthetic_features = 2'000'000'000;
       },
       "data.synthetic.features"},
      {"2e9 repetitions", [](RunConfig& c) { c.eval.repetitions = 2'000'000'000; },
       "eval.repetitions"},
      {"a million levels, 1000 repetitions each",
       [](RunConfig& c) {
         c.eval.levels = log_spaced(1e-3, 1, 1'000'000);
         c.eval.repetitions = 1000;
       },
       "eval.levels"},
  };
  const MachineMemory machine = machine_of(8e9);
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      RunConfig cfg;
      c.set(cfg);
      const auto started = std::chrono::steady_clock::now();
      const MemoryEstimate e = estimate_run_memory(cfg, data_shape(cfg.data), true);
      // Nothing of the size is allocated: the estimate is arithmetic on the settings.
      CHECK(std::chrono::steady_clock::now() - started < time_limit(1));
      CHECK(e.largest().key == c.key);
      CHECK(judge_memory(e.total(), machine) == MemoryFit::TooLarge);
      const std::string message = refusal(e, machine);
      CHECK_THAT(message, Contains(fmt::format("run.toml:3:1: '{}': the run needs about {}", c.key,
                                               bytes_text(e.total()))) &&
                              Contains("more than this machine's 8 GB (a test machine)") &&
                              Contains(bytes_text(e.largest().bytes)));
    }
  }
}

TEST_CASE("the rule: refused above the machine's memory, warned above half of it", "[memory]") {
  const MachineMemory machine = machine_of(1000);
  CHECK(judge_memory(400, machine) == MemoryFit::Fits);
  CHECK(judge_memory(500, machine) == MemoryFit::Fits);
  CHECK(judge_memory(501, machine) == MemoryFit::Close);
  CHECK(judge_memory(1000, machine) == MemoryFit::Close);
  CHECK(judge_memory(1001, machine) == MemoryFit::TooLarge);
  // A machine whose memory could not be read refuses nothing.
  CHECK(judge_memory(1e30, machine_of(0)) == MemoryFit::Fits);

  const MemoryEstimate e = estimate_run_memory(small_run(), data_shape(small_run().data), true);
  CHECK(refusal(e, machine_of(1.5 * e.total())) == "no error");
  CHECK_THAT(close_text(e, machine_of(1.5 * e.total())),
             Contains("more than 50% of this machine's"));
  CHECK_THAT(refusal(e, machine_of(0.5 * e.total())), Contains("the run needs about"));

  // This machine: some memory, from the physical memory or a tighter control group.
  const MachineMemory here = machine_memory();
  CHECK(here.bytes > 0);
  CHECK_FALSE(here.source.empty());
}

TEST_CASE("a study too large for the machine is refused where the key is set", "[memory]") {
  const MachineMemory machine = machine_of(8e9);
  const std::string head = "name = \"s\"\n[defaults]\ndata.name = \"synthetic\"\n";

  SECTION("a network too large, set in the defaults") {
    const std::string text = head + "model.hidden = [1000000000]\n";
    // Without a machine (as archive readers parse) the study expands; the estimate is known.
    const StudyMemory memory = estimate_study_memory(parse_study_text(text, "study.toml"));
    CHECK_THAT(
        study_error(text, machine),
        Contains("study.toml:4:") && Contains("'model.hidden': task 0 (stage 'main') needs about " +
                                              bytes_text(memory.largest.total())));
  }

  SECTION("one task of a grid too large: the axis is named, and the task") {
    const std::string text =
        head + "[grid]\n\"model.hidden\" = [[10], [50000, 50000]]\nseed = [1, 2]\n";
    const std::string error = study_error(text, machine);
    CHECK_THAT(error, Contains("study.toml:5:1: 'model.hidden': task 2 (stage 'main', seed = 1, "
                               "model.hidden = [50000, 50000]) needs about"));
  }

  SECTION("synthetic data too large, at its own line") {
    CHECK_THAT(study_error(head + "data.synthetic.samples = 2000000000\n", machine),
               Contains("study.toml:4:") &&
                   Contains("'data.synthetic.samples': task 0 (stage 'main') needs about"));
  }

  SECTION("the coordinator: kept weights wait only for a checkpoint; parents' stay") {
    // Each task fits (a 784-2000-2000-10 network: 22 MB of weights). Kept for the archive, 100
    // of them pass through the coordinator 8 MB at a time; as parents of later tasks, all 100
    // wait there for their children, which does not fit in 1 GB.
    const std::string kept =
        "name = \"s\"\n[defaults]\nmodel.hidden = [2000, 2000]\n[archive]\nweights = \"all\"\n"
        "[grid]\nseed = {replicates = 100}\n";
    const double params = (784.0 * 2000 + 2000) + (2000.0 * 2000 + 2000) + (2000.0 * 10 + 10);
    const StudyMemory passing = estimate_study_memory(parse_study_text(kept, "study.toml"));
    REQUIRE(passing.largest.total() < 1e9);
    CHECK(passing.coordinator.total() < 1e9);
    CHECK(passing.coordinator.terms.at(1).bytes < kCheckpointBytes + 2 * params * 4);
    const std::string parents =
        "name = \"s\"\n[defaults]\nmodel.hidden = [2000, 2000]\n"
        "[[stage]]\nname = \"base\"\n[stage.grid]\nseed = {replicates = 100}\n"
        "[[stage]]\nname = \"tuned\"\ninit_from = \"base\"\n[stage.grid]\n"
        "seed = {replicates = 100}\n";
    const StudyMemory waiting = estimate_study_memory(parse_study_text(parents, "study.toml"));
    CHECK(waiting.coordinator.largest().bytes == 100 * params * 4);
    CHECK_THAT(study_error(parents, machine_of(1e9)),
               Contains("study.toml") &&
                   Contains("'model.hidden': the coordinator of 200 tasks needs about " +
                            bytes_text(waiting.coordinator.total())));
  }

  SECTION("warnings above half of the machine, for a task and for tasks at once") {
    const Study study = parse_study_text(head + "[grid]\nseed = [1, 2]\n", "study.toml");
    const StudyMemory memory = estimate_study_memory(study);
    const double task = memory.largest.total();
    CHECK(study_memory_warnings(study, memory, machine_of(4 * task), 1).empty());
    const auto one = study_memory_warnings(study, memory, machine_of(1.5 * task), 1);
    REQUIRE(one.size() == 1);
    CHECK_THAT(one[0], Contains("task 0 (stage 'main', seed = 1) needs about"));
    const auto three = study_memory_warnings(study, memory, machine_of(4 * task), 3);
    REQUIRE(three.size() == 1);
    CHECK_THAT(three[0], Contains("3 tasks at once") && Contains("--threads"));
  }
}

TEST_CASE("a study's task count is capped before its tasks are expanded", "[memory]") {
  // Two stages of 600000 tasks each: each passes the per-stage cap, together they do not. The
  // refusal comes before expansion, which would take about 4 GB and minutes.
  const std::string stage =
      "[[stage]]\nname = \"{}\"\n[stage.grid]\nseed = {{replicates = 600000}}\n";
  const std::string text = "name = \"s\"\n" + fmt::format(fmt::runtime(stage), "a") +
                           fmt::format(fmt::runtime(stage), "b");
  const auto started = std::chrono::steady_clock::now();
  CHECK_THAT(
      study_error(text, machine_of(0)),
      Contains("study.toml:5:1: 'seed': the first 2 stages of the study have 1200000 "
               "tasks (stage 'a' has 600000), more than a study may have (1000000); planning them "
               "would take about " +
               bytes_text(1'200'000 * kTaskListBytes)));
  CHECK(std::chrono::steady_clock::now() - started < time_limit(10));

  // Under the cap, a task list larger than the machine is refused as well.
  const std::string small = "name = \"s\"\n[grid]\nseed = {replicates = 1000}\n";
  CHECK_THAT(
      study_error(small, machine_of(1e6)),
      Contains("'seed': the study has 1000 tasks in 1 stages (stage 'main' has 1000)") &&
          Contains("their task list alone would need about " + bytes_text(1000 * kTaskListBytes)));
  CHECK(study_error(small, machine_of(1e12)) == "no error");
}

TEST_CASE("the plan prints each stage's memory per task and the machine's", "[memory]") {
  const Study study = parse_study_text(
      "name = \"s\"\n[defaults]\ndata.name = \"synthetic\"\n[[stage]]\nname = \"small\"\n"
      "[[stage]]\nname = \"wide\"\n[stage.settings]\nmodel.hidden = [400, 400]\n",
      "study.toml");
  const StudyMemory memory = estimate_study_memory(study);
  REQUIRE(memory.largest_task == 1);
  const std::string plan = format_plan(study, 50.0);
  CHECK_THAT(plan, Contains("memory/task") && Contains(bytes_text(memory.task_bytes[0])) &&
                       Contains(bytes_text(memory.task_bytes[1])));
  CHECK_THAT(plan, Contains("memory: up to " + bytes_text(memory.largest.total()) +
                            " per task at its peak (task 1, stage 'wide'"));
  CHECK_THAT(plan, Contains("this machine has " + bytes_text(machine_memory().bytes)));
}
