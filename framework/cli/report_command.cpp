// `noisesweep report ARCHIVE.h5`: ablation tables (Markdown on stdout, a tidy CSV, optionally
// one HTML page with figures) from a study archive. All the work is in framework/report; this
// file only maps options onto ReportOptions and files.
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/validators.hpp"
#include "core/error.hpp"
#include "report/compact.hpp"
#include "report/csv.hpp"
#include "report/files.hpp"
#include "report/html.hpp"
#include "report/markdown.hpp"
#include "report/report.hpp"

namespace ns::cli {

namespace {

struct ReportArgs {
  std::string archive;
  std::vector<std::string> columns = {"compact"};
  std::vector<double> levels = {0.01, 0.1, 1.0};
  std::vector<std::string> group_by;
  std::string baseline;
  std::string csv, html, figures, protection_csv;
  std::vector<std::string> at;  // KIND=LEVEL
};

// "ProgAdd=0.2" -> {"ProgAdd", 0.2}; the kind itself is checked against the study's.
std::pair<std::string, double> strength_of(const std::string& text) {
  const auto eq = text.find('=');
  double level = 0;
  std::size_t used = 0;
  if (eq != std::string::npos) try {
      level = std::stod(text.substr(eq + 1), &used);
    } catch (const std::exception&) {
      used = 0;
    }
  if (eq == std::string::npos || eq == 0 || used == 0 || used != text.size() - eq - 1)
    throw Error(fmt::format("--at {}: expected KIND=LEVEL, e.g. --at ProgAdd=0.2", text));
  return {text.substr(0, eq), level};
}

std::string with_suffix(const std::string& archive, const std::string& suffix) {
  const std::string ext = ".h5";
  const bool has_ext = archive.size() > ext.size() &&
                       archive.compare(archive.size() - ext.size(), ext.size(), ext) == 0;
  return (has_ext ? archive.substr(0, archive.size() - ext.size()) : archive) + suffix;
}

bool compact(const ReportArgs& args) {
  return args.columns == std::vector<std::string>{"compact"};
}

report::ReportOptions options_from(const ReportArgs& args, bool group_by_given) {
  report::ReportOptions options;
  // The compact view picks from every family; "all" shows them all.
  auto wants = [&](const char* c) {
    for (const char* any : {c, "compact", "all"})
      if (std::find(args.columns.begin(), args.columns.end(), any) != args.columns.end())
        return true;
    return false;
  };
  options.clean = wants("clean");
  options.noise = wants("noise");
  options.auc = wants("auc");
  options.improvement = wants("improvement");
  options.levels = args.levels;
  if (group_by_given) options.group_by = args.group_by;
  options.baseline_stage = args.baseline;
  for (const std::string& at : args.at) options.protection_at.push_back(strength_of(at));
  return options;
}

int run_report(const ReportArgs& args, bool group_by_given) {
  const report::Report report =
      report::report_archive(args.archive, options_from(args, group_by_given));
  fmt::print("{}",
             compact(args) ? report::to_compact_markdown(report) : report::to_markdown(report));
  std::fflush(stdout);

  const std::string csv = args.csv.empty() ? with_suffix(args.archive, "_report.csv") : args.csv;
  report::write_text_file(csv, report::to_csv(report));
  fmt::print(stderr, "wrote {}\n", csv);
  if (report.protection) {
    const std::string matrix = args.protection_csv.empty()
                                   ? with_suffix(args.archive, "_protection.csv")
                                   : args.protection_csv;
    report::write_text_file(matrix, report::to_protection_csv(*report.protection));
    fmt::print(stderr, "wrote {} (the protection matrix)\n", matrix);
  }
  if (!args.html.empty()) {
    std::optional<report::FigureSet> figures;
    if (!args.figures.empty())
      figures = report::FigureSet{args.figures, report::read_figures(args.figures)};
    report::write_text_file(args.html, report::to_html(report, figures));
    fmt::print(
        stderr, "wrote {}{}\n", args.html,
        figures ? fmt::format(" ({} figures from {})", figures->figures.size(), args.figures) : "");
  }
  return 0;
}

}  // namespace

Command add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "Ablation tables from a study archive: Markdown on stdout, a CSV file, and optionally one "
      "self-contained HTML page with figures.");
  cmd->footer(
      "Rows: one per stage and combination of the stage's swept settings except the seed, in\n"
      "task order; the seed replicates are averaged. Each cell is mean ± sample std over the\n"
      "group's done tasks, in %, with n, e.g. \"97.91 ± 0.05 (n=3)\". Failed, diverged and\n"
      "pending tasks are counted in the n column (\"2 (failed: 1)\") and failed ones listed\n"
      "under their table with their messages; they never enter a mean.\n"
      "\n"
      "Columns (--columns):\n"
      "  compact      (default) one table for the study: per group, clean accuracy and each\n"
      "               kind at its harshest level shown, with the gain over the reference\n"
      "               and its 95% interval in brackets; split into tables of at most 100\n"
      "               characters per line\n"
      "  all          every family below, one table per stage, after the protection matrix\n"
      "  clean        clean test accuracy\n"
      "  noise        accuracy under each noise kind at each selected level (kind@level)\n"
      "  auc          area under accuracy vs log10(variance) over all evaluated levels: the\n"
      "               trapezoid integral divided by the log10 range, i.e. the mean accuracy\n"
      "               in log space, in [0, 100]%\n"
      "  improvement  Δ, in percentage points: each task minus its parent task (the task it\n"
      "               was fine-tuned from, same seed replicate), for each noise kind at the\n"
      "               highest selected level and in AUC; mean ± the half-width of the 95%\n"
      "               Student-t confidence interval over the n pairs (none for n=1).\n"
      "               Tasks without a parent show \"—\". With --baseline STAGE, each task is\n"
      "               compared instead with the task of STAGE that has the same values on\n"
      "               STAGE's swept settings (e.g. noise-aware training from scratch vs\n"
      "               standard training).\n"
      "\n"
      "Levels: each requested variance selects the study's evaluated level nearest to it in\n"
      "log space; the levels used are printed. Nonidealities whose levels are not variances\n"
      "(bits, times, fractions) show their strongest level.\n"
      "\n"
      "Protection matrix (first, when a stage is compared with references): which method\n"
      "protects against which nonideality. One row per group of every compared stage, one\n"
      "column per nonideality: the paired gain over the reference at one strength per\n"
      "nonideality, mean ± 95% interval, and first the gain in clean accuracy (the cost).\n"
      "Strengths: --at KIND=LEVEL (the nearest evaluated level), or else the harshest level at\n"
      "which the reference tasks keep at least half of what the kind's harshest level takes\n"
      "from them. Also written as tidy CSV (--protection-csv; default ARCHIVE without .h5 +\n"
      "_protection.csv).\n"
      "\n"
      "CSV: one row per group of every stage: stage, the grouping keys, tasks, done, failed,\n"
      "pending, compared_with, then per metric <name>_mean, _std, _n, _ci_low, _ci_high, with\n"
      "<name> one of clean, AddUnc@0.1, auc_AddUnc, gain_AddUnc@1, gain_auc_AddUnc, ... Empty\n"
      "fields are values that do not exist (pandas reads NaN).\n"
      "\n"
      "Examples:\n"
      "  noisesweep report runs/small.h5\n"
      "  noisesweep report runs/small.h5 --columns clean,improvement --levels 1\n"
      "  noisesweep report runs/small.h5 --group-by reg.lambda --html small.html --figures figs\n"
      "  noisesweep report runs/nat.h5 --baseline standard\n"
      "\n"
      "Reads the journal of a running sweep too. Exit code 0 when the report is written, even\n"
      "if tasks failed (`noisesweep status` exits 1 for that).");
  cmd->add_option("archive", args->archive, "Study archive (HDF5) written by `noisesweep run`")
      ->required();
  cmd->add_option("--columns", args->columns,
                  "What to show: compact, all, or families, comma-separated: "
                  "clean,noise,auc,improvement (the CSV always holds everything)")
      ->delimiter(',')
      ->check(CLI::IsMember({"compact", "all", "clean", "noise", "auc", "improvement"}))
      ->capture_default_str();
  cmd->add_option("--levels", args->levels,
                  "Noise variances to show, comma-separated; each selects the nearest evaluated "
                  "level in log space. Δ uses the highest")
      ->delimiter(',')
      ->check(positive_number())
      ->capture_default_str();
  CLI::Option* group_by =
      cmd->add_option(
             "--group-by", args->group_by,
             "Rows by these settings (comma-separated; swept or not, or seed) and the stage, "
             "averaging over everything else; `--group-by stage` gives one row per stage. Default: "
             "every swept setting except the seed")
          ->delimiter(',');
  cmd->add_option("--baseline", args->baseline,
                  "Compare each task with the matching task of this stage (same values on its "
                  "swept settings) instead of its parent");
  cmd->add_option("--at", args->at,
                  "Strengths of the protection matrix, comma-separated KIND=LEVEL, e.g. "
                  "ProgAdd=0.2,ADC=4")
      ->delimiter(',');
  cmd->add_option("--csv", args->csv,
                  "CSV output file [default: ARCHIVE without .h5 + _report.csv]")
      ->check(output_file("report.csv"));
  cmd->add_option("--protection-csv", args->protection_csv,
                  "Protection matrix CSV file [default: ARCHIVE without .h5 + _protection.csv]")
      ->check(output_file("protection.csv"));
  CLI::Option* html =
      cmd->add_option("--html", args->html, "Also write one self-contained HTML page")
          ->check(output_file("report.html"));
  cmd->add_option("--figures", args->figures,
                  "Folder of PNG figures (e.g. from analysis/plots.py) to embed in the HTML page, "
                  "subfolders included, each with its path in the folder as caption")
      ->needs(html);
  return {cmd, [args, group_by] { return run_report(*args, group_by->count() > 0); }};
}

}  // namespace ns::cli
