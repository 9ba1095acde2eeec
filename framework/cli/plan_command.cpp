// `noisesweep plan STUDY.toml`: the tasks and their cost, without running anything. As tables
// for people, or with --json as one JSON object for scripts (schema noisesweep-plan/1).
#include <fmt/format.h>

#include <algorithm>

#include "cli/commands.hpp"
#include "cli/json_output.hpp"
#include "cli/terminal.hpp"
#include "cli/validators.hpp"
#include "study/plan.hpp"
#include "study/study.hpp"

namespace ns::cli {

namespace {

// The plan's numbers, as format_plan prints them: the layout README.md documents under "Output
// for scripts"; change both together. Costs are estimate_cost's FLOPs, and core-seconds at
// `gflops` GFLOP/s per core.
Json plan_json(const Study& study, double gflops) {
  struct StageTotals {
    int tasks = 0, weights_kept = 0;
    Json starts_from = nullptr;  // the stage its tasks start from, or null
    double flops = 0;
  };
  std::vector<StageTotals> totals(study.stages.size());
  StageTotals all;
  std::vector<std::string> notes;  // why a data shape was assumed (estimate_cost's guess)
  Json tasks = Json::array();
  for (const Task& t : study.tasks) {
    const auto s =
        std::find(study.stages.begin(), study.stages.end(), t.stage) - study.stages.begin();
    const TaskCost cost = estimate_cost(t.config);
    for (StageTotals* st : {&totals[s], &all}) {
      ++st->tasks;
      st->weights_kept += t.store_weights;
      st->flops += cost.total();
    }
    if (t.parent) totals[s].starts_from = study.tasks[*t.parent].stage;
    if (!cost.guess.empty() && std::find(notes.begin(), notes.end(), cost.guess) == notes.end())
      notes.push_back(cost.guess);

    Json axes = Json::object();  // only the keys its stage sweeps, as TOML text
    for (const auto& [key, value] : t.axes) axes[key] = value;
    tasks.push_back({{"index", t.index},
                     {"stage", t.stage},
                     {"id", t.id},
                     {"parent", t.parent ? Json(*t.parent) : Json(nullptr)},
                     {"axes", std::move(axes)}});
  }

  const double flops_per_core_second = gflops * 1e9;
  const auto cost = [&](const StageTotals& st) {
    return Json{{"tasks", st.tasks},
                {"weights_kept", st.weights_kept},
                {"flops", st.flops},
                {"core_seconds", st.flops / flops_per_core_second}};
  };
  Json stages = Json::array();
  for (std::size_t s = 0; s < study.stages.size(); ++s) {
    Json stage = {{"name", study.stages[s]}, {"starts_from", totals[s].starts_from}};
    stage.update(cost(totals[s]));
    stages.push_back(std::move(stage));
  }
  return {
      {"schema", "noisesweep-plan/1"},
      {"study",
       {{"name", study.name}, {"file", study.file}, {"hash", study.hash}, {"seed", study.seed}}},
      {"task_count", study.tasks.size()},
      {"gflops_per_core", gflops},
      {"axis_keys", study.axis_keys},
      {"stages", std::move(stages)},
      {"total", cost(all)},
      {"notes", notes},
      {"tasks", std::move(tasks)},
  };
}

}  // namespace

Command add_plan_command(CLI::App& app) {
  struct Options {
    std::string study;
    double gflops = 50;
    int rows = 50;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "plan",
      "Check a study and list its tasks, with counts per stage and the estimated cost in FLOPs\n"
      "and core-hours. Runs nothing; reports the same errors `run` would.");
  cmd->add_option("study", o->study, "Study file (TOML)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--gflops", o->gflops,
                  "Sustained GFLOP/s of one core, for core-hours (`noisesweep bench` measures it)")
      ->capture_default_str()
      ->check(positive_number());
  cmd->add_option("--rows", o->rows, "Tasks to list (0: all)")->capture_default_str();
  cmd->add_flag("--json", o->json,
                "Print one JSON object instead of the tables, for scripts, listing\n"
                "every task (--rows does not apply). Schema \"noisesweep-plan/1\":\n"
                "study {name, file, hash, seed}, task_count, gflops_per_core,\n"
                "axis_keys, stages [{name, starts_from, tasks, weights_kept, flops,\n"
                "core_seconds}], total {tasks, weights_kept, flops, core_seconds},\n"
                "notes, tasks [{index, stage, id, parent, axes}]. README.md,\n"
                "\"Output for scripts\", says more. On an error: nothing on stdout.");
  return {cmd, [o] {
            const Study study = load_study(o->study);
            if (o->json)
              print_json(plan_json(study, o->gflops));
            else
              fmt::print("{}", format_plan(study, o->gflops,
                                           o->rows > 0 ? o->rows : int(study.tasks.size()),
                                           terminal_width()));
            return 0;
          }};
}

}  // namespace ns::cli
