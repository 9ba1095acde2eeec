// Ablation reports: the statistics (t quantiles, mean, std, confidence intervals), level
// selection and AUC, grouping and pairing, and the Markdown, CSV and HTML writers, on an archive
// whose accuracies are set by hand so every reported number can be checked with arithmetic
// written out here.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include "nonideality/registry.hpp"
#include "scratch_dir.hpp"

#include "archive/archive.hpp"
#include "core/error.hpp"
#include "report/base64.hpp"
#include "report/csv.hpp"
#include "report/files.hpp"
#include "report/html.hpp"
#include "report/markdown.hpp"
#include "report/metrics.hpp"
#include "report/presentation.hpp"
#include "report/report.hpp"
#include "report/statistics.hpp"
#include "study/study.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using ns::report::Estimate;
using ns::report::Report;
using ns::report::ReportOptions;

namespace {

// Three stages: a baseline over 3 seed replicates (tasks 0-2); a fine-tuning of each over two
// lambdas (tasks 3-8: seed-major, so 3, 5, 7 have lambda 0.001 and parents 0, 1, 2; 4, 6, 8
// have lambda 0.01); and a stage trained from scratch (tasks 9-11), for --baseline.
const char* kStudy = R"(
name = "report-unit"
seed = 5
[defaults]
data.name = "synthetic"
model.hidden = [6]
eval.levels = [0.01, 0.1, 1.0]
eval.repetitions = 2

[[stage]]
name = "baseline"
[stage.grid]
seed = {replicates = 3}

[[stage]]
name = "tuned"
init_from = "baseline"
[stage.settings]
train.lr = 0.001
[stage.grid]
seed = {replicates = 3}
"reg.lambda" = [0.001, 0.01]

[[stage]]
name = "scratch"
[stage.settings]
train.lr = 0.1
[stage.grid]
seed = {replicates = 3}
)";

// Accuracies (fractions) at levels 0.01, 0.1, 1 for AddUnc and AddCor. The two repetitions are
// the value -+ 0.01, so their mean is the value given.
struct Accuracies {
  double clean;
  double add_unc[3];
  double add_cor[3];
};

ns::TaskRecord done(const ns::Study& study, int index, const Accuracies& a) {
  const ns::Task& t = study.tasks[index];
  ns::TaskRecord r;
  r.id = t.id;
  r.stage = t.stage;
  r.index = t.index;
  r.settings_text = ns::settings_text(study, t);
  r.seed = t.config.seed;
  r.clean_accuracy = a.clean;
  r.noise.kinds = {ns::find_nonideality("AddUnc"), ns::find_nonideality("AddCor")};
  r.noise.levels = {{0.01, 0.1, 1.0}, {0.01, 0.1, 1.0}};
  r.noise.repetitions = 2;
  for (const double* curve : {a.add_unc, a.add_cor})
    for (int l = 0; l < 3; ++l) {
      r.noise.accuracy.push_back(curve[l] - 0.01);
      r.noise.accuracy.push_back(curve[l] + 0.01);
    }
  return r;
}

ns::TaskRecord failed(const ns::Study& study, int index, ns::TaskStatus status,
                      const std::string& message) {
  const ns::Task& t = study.tasks[index];
  ns::TaskRecord r;
  r.id = t.id;
  r.stage = t.stage;
  r.index = t.index;
  r.status = status;
  r.message = message;
  r.settings_text = ns::settings_text(study, t);
  r.seed = t.config.seed;
  return r;
}

// Task 8 diverged and task 11 never ran (pending).
std::vector<ns::TaskRecord> make_records(const ns::Study& s) {
  return {
      done(s, 0, {0.90, {0.88, 0.70, 0.50}, {0.85, 0.60, 0.30}}),
      done(s, 1, {0.92, {0.90, 0.72, 0.55}, {0.85, 0.62, 0.32}}),
      done(s, 2, {0.94, {0.92, 0.74, 0.60}, {0.86, 0.64, 0.34}}),
      done(s, 3, {0.89, {0.88, 0.75, 0.60}, {0.85, 0.80, 0.70}}),
      done(s, 4, {0.88, {0.88, 0.76, 0.65}, {0.85, 0.84, 0.80}}),
      done(s, 5, {0.91, {0.90, 0.78, 0.70}, {0.85, 0.80, 0.72}}),
      done(s, 6, {0.90, {0.90, 0.80, 0.75}, {0.85, 0.84, 0.82}}),
      done(s, 7, {0.93, {0.92, 0.80, 0.71}, {0.86, 0.81, 0.74}}),
      failed(s, 8, ns::TaskStatus::Diverged, "diverged at epoch 2, batch 3 (loss = nan)"),
      done(s, 9, {0.95, {0.93, 0.80, 0.62}, {0.90, 0.70, 0.40}}),
      done(s, 10, {0.96, {0.94, 0.82, 0.66}, {0.90, 0.72, 0.44}}),
  };
}

// The archive as `noisesweep run` would leave it.
std::string write_study_archive(const ScratchDir& dir, const ns::Study& study,
                                const std::vector<ns::TaskRecord>& records) {
  ns::ArchiveInfo info;
  info.study_name = study.name;
  info.study_file = study.file;
  info.study_text = study.text;
  info.study_hash = study.hash;
  info.program_version = "test";
  const std::string path = dir.file("study.h5");
  ns::write_archive(path, info, records, ns::study_axes(study));
  return path;
}

const ns::report::StageTable& stage(const Report& r, const std::string& name) {
  for (const auto& t : r.stages)
    if (t.stage == name) return t;
  FAIL("no stage " << name);
  throw std::logic_error("unreachable: FAIL throws");
}

// The cell of `table`'s row `row` under the column labelled `label`.
const Estimate& cell(const ns::report::StageTable& table, std::size_t row,
                     const std::string& label) {
  REQUIRE(row < table.rows.size());
  for (std::size_t m = 0; m < table.metrics.size(); ++m)
    if (table.metrics[m].label() == label) return table.rows[row].cells[m];
  FAIL("no column " << label << " in stage " << table.stage);
  throw std::logic_error("unreachable: FAIL throws");
}

// Sample statistics written out, independent of report/statistics.cpp.
double mean_of(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v;
  return s / double(x.size());
}
double std_of(const std::vector<double>& x) {
  const double m = mean_of(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return std::sqrt(s / double(x.size() - 1));
}

// The AUC of three points at log10 levels -2, -1, 0: two unit-width trapezoids over a range of 2.
double auc3(const double (&a)[3]) {
  return ((a[0] + a[1]) / 2 + (a[1] + a[2]) / 2) / 2;
}

void check_estimate(const Estimate& e, int n, double mean, double std) {
  CHECK(e.n == n);
  CHECK(e.mean == Approx(mean).margin(1e-9));
  if (n >= 2) CHECK(e.std == Approx(std).margin(1e-9));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> split_csv_line(const std::string& line) {  // no quoted fields here
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.push_back("");
  return fields;
}

// A valid 1x1 PNG (one grey pixel; CRCs and zlib stream from Python's zlib).
const std::string kTinyPng(
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01"
    "\x00\x00\x00\x01\x08\x00\x00\x00\x00\x3a\x7e\x9b\x55\x00\x00\x00\x0a\x49\x44\x41"
    "\x54\x78\x9c\x63\x68\x00\x00\x00\x82\x00\x81\x77\xcd\x72\xb6\x00\x00\x00\x00\x49"
    "\x45\x4e\x44\xae\x42\x60\x82",
    67);

}  // namespace

TEST_CASE("t quantiles match the tables", "[report]") {
  using ns::report::t_quantile_975;
  CHECK(t_quantile_975(1) == Approx(12.706).margin(5e-4));
  CHECK(t_quantile_975(2) == Approx(4.303).margin(5e-4));
  CHECK(t_quantile_975(4) == Approx(2.776).margin(5e-4));
  CHECK(t_quantile_975(9) == Approx(2.262).margin(5e-4));
  CHECK(t_quantile_975(29) == Approx(2.045).margin(5e-4));
  // Beyond the table: the expansion, against exact values (mpmath), and its normal limit.
  CHECK(t_quantile_975(31) == Approx(2.03951344639641).margin(1e-6));
  CHECK(t_quantile_975(40) == Approx(2.02107539030627).margin(1e-6));
  CHECK(t_quantile_975(60) == Approx(2.00029782201426).margin(1e-6));
  CHECK(t_quantile_975(120) == Approx(1.97993040508244).margin(1e-6));
  CHECK(t_quantile_975(1000) == Approx(1.96233908082641).margin(1e-6));
  CHECK(t_quantile_975(1000000000) == Approx(1.959964).margin(1e-6));
  for (int df = 1; df < 200; ++df) CHECK(t_quantile_975(df + 1) < t_quantile_975(df));
  CHECK_THROWS_WITH(t_quantile_975(0), Contains("at least 1 degree of freedom"));
}

TEST_CASE("estimates: mean, sample std and the 95% t interval", "[report]") {
  const Estimate e = ns::report::estimate({90, 92, 94});
  CHECK(e.n == 3);
  CHECK(e.mean == Approx(92));
  CHECK(e.std == Approx(2));  // sqrt((4 + 0 + 4) / 2)
  const double half = 4.30265272974946 * 2 / std::sqrt(3.0);
  CHECK(e.ci_low == Approx(92 - half));
  CHECK(e.ci_high == Approx(92 + half));

  const Estimate one = ns::report::estimate({7.5});
  CHECK(one.n == 1);
  CHECK(one.mean == 7.5);
  CHECK(std::isnan(one.std));
  CHECK(std::isnan(one.ci_low));
  const Estimate none = ns::report::estimate({});
  CHECK(none.n == 0);
  CHECK(std::isnan(none.mean));
}

TEST_CASE("levels: the nearest in log space, without repeats", "[report]") {
  using ns::report::select_levels;
  // 0.01 is 2.5x above 0.004 but only 2x below 0.02: nearer in log space, though linearly
  // 0.004 is nearer (0.006 against 0.01).
  CHECK(select_levels({0.004, 0.02}, {0.01}) == std::vector<double>{0.02});
  CHECK(select_levels({0.001, 0.01, 0.1, 1.0}, {1, 0.01, 0.1}) ==
        std::vector<double>{0.01, 0.1, 1.0});
  // Two targets nearest to one level give it once; beyond the range, the end is nearest.
  CHECK(select_levels({0.01, 1.0}, {0.005, 0.011, 50}) == std::vector<double>{0.01, 1.0});
  // A tie (0.1 and 10 are both a factor 10 from 1) goes to the smaller level.
  CHECK(select_levels({10, 0.1}, {1}) == std::vector<double>{0.1});
  // The test study's range {from = 0.01, to = 1, count = 3}, log-spaced, unsorted input.
  const std::vector<double> log_spaced = {1.0, 0.01, std::pow(10.0, -1.0) * (1 + 1e-15)};
  CHECK(select_levels(log_spaced, {0.01, 0.1, 1}).size() == 3);
  CHECK(select_levels({}, {0.1}).empty());
  CHECK_THROWS_WITH(select_levels({0.1}, {0}), Contains("not a noise variance > 0"));
  CHECK_THROWS_WITH(select_levels({-1}, {0.1}), Contains("not a noise variance > 0"));

  CHECK(ns::report::find_level({0.01, 0.1 * (1 + 1e-12), 1}, 0.1) == 1);
  CHECK_FALSE(ns::report::find_level({0.01, 1}, 0.1).has_value());
}

TEST_CASE("AUC: the mean accuracy over log10(variance)", "[report]") {
  using ns::report::curve_auc;
  // Linear in x = log10(variance): acc = 0.5 - 0.1 x over x in [-3, 0], unevenly sampled; the
  // trapezoid rule is exact, and the mean of a line is its value at the midpoint x = -1.5.
  const std::vector<double> levels = {1e-3, 1e-2, 10.0 / 1000 * std::sqrt(10.0), 1.0};
  std::vector<double> acc;
  for (double l : levels) acc.push_back(0.5 - 0.1 * std::log10(l));
  CHECK(curve_auc(levels, acc) == Approx(0.65));
  // Any order of levels.
  CHECK(curve_auc({1.0, 1e-3, 1e-2}, {0.5, 0.8, 0.7}) ==
        Approx(curve_auc({1e-3, 1e-2, 1.0}, {0.8, 0.7, 0.5})));
  // A V: 1 at the ends, 0 in the middle of two equal widths: area 1 over range 2.
  CHECK(curve_auc({0.01, 0.1, 1}, {1, 0, 1}) == Approx(0.5));
  CHECK(curve_auc({0.01, 0.1, 1}, {0.7, 0.7, 0.7}) == Approx(0.7));  // flat: its own value
  CHECK(curve_auc({0.3}, {0.42}) == 0.42);                           // one level: its value
  CHECK_THROWS_WITH(curve_auc({0.1, 1}, {0.5}), Contains("2 levels but 1 accuracies"));
  CHECK_THROWS_WITH(curve_auc({}, {}), Contains("without levels"));

  ns::NoiseCurves curves;  // repetitions are averaged before integrating
  curves.kinds = {ns::find_nonideality("AddUnc")};
  curves.levels = {{0.01, 0.1, 1}};
  curves.repetitions = 2;
  curves.accuracy = {0.9, 1.0, 0.1, -0.1, 0.8, 1.2};  // means 0.95, 0, 1
  CHECK(ns::report::noise_auc(curves, 0) == Approx(((0.95 + 0) / 2 + (0 + 1.0) / 2) / 2));
}

TEST_CASE("base64 encodes the RFC 4648 test vectors and any byte", "[report]") {
  using ns::report::base64_encode;
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(base64_encode("fooba") == "Zm9vYmE=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode(std::string("\x00\xff\xfe\x80", 4)) == "AP/+gA==");
  CHECK(base64_encode(std::string(3, '\xff')) == "////");
  CHECK(base64_encode(kTinyPng).substr(0, 12) == "iVBORw0KGgoA");  // every PNG starts so
}

TEST_CASE("text helpers: HTML escaping, swept values and cells", "[report]") {
  CHECK(ns::report::html_escape("<a href=\"x\">'&'</a>") ==
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  CHECK(ns::report::display_value("\"mnist\"") == "mnist");
  CHECK(ns::report::display_value("[1, 30]") == "[1, 30]");
  CHECK(ns::report::display_value("\"a\\\"b\"") == "\"a\\\"b\"");  // escapes: left as TOML

  const ns::report::Metric acc{ns::report::MetricKind::Accuracy, "AddUnc", 0.1};
  const ns::report::Metric gain{ns::report::MetricKind::GainAccuracy, "AddUnc", 1};
  using ns::report::format_cell;
  CHECK(format_cell(acc, ns::report::estimate({97.86, 97.91, 97.96})) == "97.91 ± 0.05 (n=3)");
  CHECK(format_cell(acc, ns::report::estimate({97.91})) == "97.91 (n=1)");
  CHECK(format_cell(acc, ns::report::estimate({})) == "—");
  // Gains: signed, and ± is the CI half-width: 12.706 * 2.5 for {15, 20}.
  CHECK(format_cell(gain, ns::report::estimate({15, 20})) == "+17.50 ± 31.77 (n=2)");
  CHECK(format_cell(gain, ns::report::estimate({-3})) == "-3.00 (n=1)");
  CHECK(format_cell(gain, ns::report::estimate({-0.001})) == "+0.00 (n=1)");  // no "-0.00"
  CHECK(format_cell(gain, ns::report::estimate({-0.006})) == "-0.01 (n=1)");
  CHECK(acc.label() == "AddUnc@0.1");
  CHECK(gain.csv_name() == "gain_AddUnc@1");
}

TEST_CASE("report of an archive: means, stds, failures and paired improvements", "[report]") {
  ScratchDir dir;
  const ns::Study study = ns::parse_study_text(kStudy, "unit.toml");
  REQUIRE(study.tasks.size() == 12);
  REQUIRE(study.tasks[7].parent == 2);
  REQUIRE(study.tasks[8].parent == 2);
  const std::string path = write_study_archive(dir, study, make_records(study));
  const Report report = ns::report::report_archive(path, ReportOptions{});

  CHECK(report.study_name == "report-unit");
  CHECK(report.tasks == 12);
  CHECK(report.done == 10);
  CHECK(report.failed == 1);
  CHECK(report.pending == 1);
  CHECK(report.keys == std::vector<std::string>{"reg.lambda"});
  REQUIRE(report.stages.size() == 3);

  SECTION("baseline: one group of 3 seeds; no parent, so no improvement") {
    const auto& t = stage(report, "baseline");
    CHECK(t.keys.empty());
    CHECK(t.levels == std::vector<double>{0.01, 0.1, 1.0});
    CHECK(t.compared_with == "");
    REQUIRE(t.rows.size() == 1);
    CHECK(t.rows[0].done == 3);
    check_estimate(cell(t, 0, "clean"), 3, 92, 2);       // 90, 92, 94
    check_estimate(cell(t, 0, "AddUnc@1"), 3, 55, 5);    // 50, 55, 60
    check_estimate(cell(t, 0, "AddCor@0.1"), 3, 62, 2);  // 60, 62, 64
    check_estimate(cell(t, 0, "AUC AddUnc"), 3, 100 * mean_of({0.695, 0.7225, 0.75}),
                   100 * std_of({0.695, 0.7225, 0.75}));  // auc3 of each baseline task
    CHECK(cell(t, 0, "Δ AddUnc@1").n == 0);
    CHECK(cell(t, 0, "Δ AUC AddCor").n == 0);
  }

  SECTION("tuned: a group per lambda; each task minus its parent, with a t interval") {
    const auto& t = stage(report, "tuned");
    CHECK(t.keys == std::vector<std::string>{"reg.lambda"});
    CHECK(t.compared_with == "baseline");
    REQUIRE(t.rows.size() == 2);
    CHECK(t.rows[0].values == std::vector<std::string>{"0.001"});
    CHECK(t.rows[0].tasks == std::vector<int>{3, 5, 7});
    CHECK(t.rows[1].tasks == std::vector<int>{4, 6, 8});

    // lambda 0.001: tasks 3, 5, 7 against parents 0, 1, 2.
    check_estimate(cell(t, 0, "clean"), 3, 91, 2);                // 89, 91, 93
    const std::vector<double> unc = {60 - 50, 70 - 55, 71 - 60};  // AddUnc@1: 10, 15, 11
    const Estimate& d = cell(t, 0, "Δ AddUnc@1");
    check_estimate(d, 3, 12, std::sqrt(7.0));  // deviations -2, 3, -1: sqrt(14 / 2)
    const double half = 4.30265272974946 * std::sqrt(7.0) / std::sqrt(3.0);  // t(2) sd/sqrt(n)
    CHECK(d.ci_low == Approx(12 - half));
    CHECK(d.ci_high == Approx(12 + half));
    CHECK(mean_of(unc) == Approx(12));
    const std::vector<double> cor = {70 - 30, 72 - 32, 74 - 34};  // AddCor@1: 40, 40, 40
    check_estimate(cell(t, 0, "Δ AddCor@1"), 3, 40, 0);
    CHECK(cell(t, 0, "Δ AddCor@1").ci_low == Approx(40));
    CHECK(mean_of(cor) == 40);

    // AUC gains: each task's auc3 minus its parent's.
    const double tuned_auc[3] = {auc3({0.88, 0.75, 0.60}), auc3({0.90, 0.78, 0.70}),
                                 auc3({0.92, 0.80, 0.71})};
    const double base_auc[3] = {auc3({0.88, 0.70, 0.50}), auc3({0.90, 0.72, 0.55}),
                                auc3({0.92, 0.74, 0.60})};
    std::vector<double> auc_gain;
    for (int i = 0; i < 3; ++i) auc_gain.push_back(100 * (tuned_auc[i] - base_auc[i]));
    CHECK(auc_gain[0] == Approx(5.0));  // 0.745 - 0.695
    const Estimate& da = cell(t, 0, "Δ AUC AddUnc");
    check_estimate(da, 3, mean_of(auc_gain), std_of(auc_gain));
    CHECK(da.ci_high - da.mean == Approx(4.30265272974946 * std_of(auc_gain) / std::sqrt(3.0)));

    // lambda 0.01: task 8 diverged, so 2 done tasks (4, 6) and 2 pairs, with t(1) = 12.706.
    CHECK(t.rows[1].done == 2);
    CHECK(t.rows[1].failed == 1);
    check_estimate(cell(t, 1, "clean"), 2, 89, std::sqrt(2.0));  // 88, 90
    const Estimate& d1 = cell(t, 1, "Δ AddUnc@1");               // 65 - 50 = 15, 75 - 55 = 20
    check_estimate(d1, 2, 17.5, std::sqrt(12.5));
    CHECK(d1.ci_high == Approx(17.5 + 12.7062047361747 * std::sqrt(12.5) / std::sqrt(2.0)));
    REQUIRE(t.failures.size() == 1);
    CHECK(t.failures[0].index == 8);
    CHECK(t.failures[0].status == "diverged");
    CHECK(t.failures[0].where == "seed = 2, reg.lambda = 0.01");
  }

  SECTION("scratch: no parent; the pending task is counted, not averaged") {
    const auto& t = stage(report, "scratch");
    REQUIRE(t.rows.size() == 1);
    CHECK(t.rows[0].done == 2);
    CHECK(t.rows[0].pending == 1);
    check_estimate(cell(t, 0, "clean"), 2, 95.5, std::sqrt(0.5));
    CHECK(cell(t, 0, "Δ AddUnc@1").n == 0);
  }

  SECTION("Markdown: a header, one table per stage, failures under their table") {
    const std::string md = ns::report::to_markdown(report);
    CHECK_THAT(md, Contains("# Ablation report: report-unit"));
    CHECK_THAT(md, Contains("tasks: 12 (10 done, 1 failed, 1 pending)"));
    CHECK_THAT(md, Contains("requested 0.01, 0.1, 1; used 0.01, 0.1, 1"));
    CHECK_THAT(md, Contains("trapezoid integral divided by the log10 range"));
    CHECK_THAT(md, Contains("## Stage baseline"));
    CHECK_THAT(md, Contains("## Stage tuned"));
    CHECK_THAT(md, Contains("## Stage scratch"));
    CHECK_THAT(md, Contains("| n | clean | AddUnc@0.01 | AddUnc@0.1 | AddUnc@1 | AddCor@0.01 |"));
    CHECK_THAT(md, Contains("| 3 | 92.00 ± 2.00 (n=3) |"));
    CHECK_THAT(md, Contains("| 0.001 | 3 | 91.00 ± 2.00 (n=3) |"));
    CHECK_THAT(md, Contains(fmt::format("| +12.00 ± {:.2f} (n=3) |",
                                        4.30265272974946 * std::sqrt(7.0 / 3))));
    CHECK_THAT(md, Contains("| 0.01 | 2 (failed: 1) |"));
    CHECK_THAT(md, Contains("| 2 (pending: 1) |"));
    CHECK_THAT(md, Contains("Failed tasks (1):\n\n- task 8 (seed = 2, reg.lambda = 0.01) "
                            "diverged: diverged at epoch 2, batch 3 (loss = nan)"));
    CHECK_THAT(md, Contains("Δ compares with the parent tasks in stage baseline."));
    std::size_t tables = 0;
    for (const std::string& line : lines_of(md)) tables += line.rfind("|---", 0) == 0;
    CHECK(tables == 4);  // the protection matrix and one per stage
    CHECK_THAT(md, Contains("## Protection matrix"));
  }

  SECTION("CSV: one row per group with explicit numeric columns") {
    const std::vector<std::string> lines = lines_of(ns::report::to_csv(report));
    REQUIRE(lines.size() == 1 + 4);  // header + baseline 1 + tuned 2 + scratch 1
    const std::vector<std::string> header = split_csv_line(lines[0]);
    auto column = [&](const std::string& name) {
      const auto it = std::find(header.begin(), header.end(), name);
      REQUIRE(it != header.end());
      return std::size_t(it - header.begin());
    };
    CHECK(header[0] == "stage");
    CHECK(header[1] == "reg.lambda");
    const std::vector<std::string> tuned = split_csv_line(lines[2]);
    REQUIRE(tuned.size() == header.size());
    CHECK(tuned[column("stage")] == "tuned");
    CHECK(tuned[column("reg.lambda")] == "0.001");
    CHECK(tuned[column("compared_with")] == "baseline");
    CHECK(std::stod(tuned[column("clean_mean")]) == Approx(91));
    CHECK(std::stod(tuned[column("clean_std")]) == Approx(2));
    CHECK(tuned[column("clean_n")] == "3");
    const double half = 4.30265272974946 * std::sqrt(7.0) / std::sqrt(3.0);
    CHECK(std::stod(tuned[column("gain_AddUnc@1_mean")]) == Approx(12));
    CHECK(std::stod(tuned[column("gain_AddUnc@1_ci_low")]) == Approx(12 - half));
    CHECK(std::stod(tuned[column("gain_AddUnc@1_ci_high")]) == Approx(12 + half));
    CHECK(std::stod(tuned[column("auc_AddCor_mean")]) > 0);
    const std::vector<std::string> baseline = split_csv_line(lines[1]);
    CHECK(baseline[column("reg.lambda")] == "");          // not a key of this stage
    CHECK(baseline[column("gain_AddUnc@1_mean")] == "");  // no parent
    CHECK(baseline[column("gain_AddUnc@1_n")] == "0");
    const std::vector<std::string> failing = split_csv_line(lines[3]);
    CHECK(failing[column("done")] == "2");
    CHECK(failing[column("failed")] == "1");
    CHECK(failing[column("tasks")] == "3");
  }
}

TEST_CASE("report options: --baseline, --group-by, --columns and --levels", "[report]") {
  ScratchDir dir;
  const ns::Study study = ns::parse_study_text(kStudy, "unit.toml");
  const std::string path = write_study_archive(dir, study, make_records(study));

  SECTION("--baseline pairs a from-scratch stage with the baseline by seed replicate") {
    ReportOptions options;
    options.baseline_stage = "baseline";
    const Report r = ns::report::report_archive(path, options);
    const auto& scratch = stage(r, "scratch");
    CHECK(scratch.compared_with == "baseline");
    // Tasks 9, 10 (replicates 0, 1) against 0, 1: AddUnc@1 62 - 50, 66 - 55.
    check_estimate(cell(scratch, 0, "Δ AddUnc@1"), 2, mean_of({12, 11}), std_of({12, 11}));
    check_estimate(cell(scratch, 0, "Δ AddCor@1"), 2, 11, std_of({10, 12}));  // 40-30, 44-32
    // The fine-tuned stage pairs with the same tasks as through its parents.
    check_estimate(cell(stage(r, "tuned"), 0, "Δ AddUnc@1"), 3, 12, std::sqrt(7.0));
    CHECK(cell(stage(r, "baseline"), 0, "Δ AddUnc@1").n == 0);
    CHECK_THAT(ns::report::to_markdown(r), Contains("This is the baseline stage: no Δ."));
    options.baseline_stage = "nope";
    CHECK_THROWS_WITH(ns::report::report_archive(path, options),
                      Contains("'nope' is not a stage") && Contains("baseline, tuned, scratch"));
  }

  SECTION("--group-by: the listed keys and the stage; the rest averaged") {
    ReportOptions options;
    options.group_by = std::vector<std::string>{"stage"};  // one row per stage
    const Report r = ns::report::report_archive(path, options);
    const auto& tuned = stage(r, "tuned");
    REQUIRE(tuned.rows.size() == 1);
    CHECK(tuned.rows[0].done == 5);
    CHECK(tuned.rows[0].failed == 1);
    check_estimate(cell(tuned, 0, "clean"), 5, mean_of({89, 88, 91, 90, 93}),
                   std_of({89, 88, 91, 90, 93}));
    check_estimate(cell(tuned, 0, "Δ AddUnc@1"), 5, mean_of({10, 15, 15, 20, 11}),
                   std_of({10, 15, 15, 20, 11}));

    options.group_by = std::vector<std::string>{"seed"};  // a key the stages sweep
    const Report by_seed = ns::report::report_archive(path, options);
    CHECK(by_seed.keys == std::vector<std::string>{"seed"});
    CHECK(stage(by_seed, "tuned").rows.size() == 3);
    check_estimate(cell(stage(by_seed, "tuned"), 0, "clean"), 2, 88.5, std::sqrt(0.5));

    options.group_by = std::vector<std::string>{"train.lr"};  // any setting, swept or not
    const Report by_lr = ns::report::report_archive(path, options);
    CHECK(stage(by_lr, "scratch").rows[0].values == std::vector<std::string>{"0.1"});

    options.group_by = std::vector<std::string>{"reg.lamda"};
    CHECK_THROWS_WITH(ns::report::report_archive(path, options),
                      Contains("'reg.lamda'") && Contains("did you mean 'reg.lambda'") &&
                          Contains("sweeps seed, reg.lambda"));
  }

  SECTION("--columns and --levels choose what is shown") {
    ReportOptions options;
    options.noise = options.auc = false;
    options.levels = {0.09, 0.02};  // nearest: 0.1 and 0.01; Δ at the highest, 0.1
    const Report r = ns::report::report_archive(path, options);
    const auto& tuned = stage(r, "tuned");
    CHECK(tuned.levels == std::vector<double>{0.01, 0.1});
    std::vector<std::string> labels;
    for (const auto& m : tuned.metrics) labels.push_back(m.label());
    CHECK(labels == std::vector<std::string>{"clean", "Δ AddUnc@0.1", "Δ AddCor@0.1",
                                             "Δ AUC AddUnc", "Δ AUC AddCor"});
    check_estimate(cell(tuned, 0, "Δ AddUnc@0.1"), 3, mean_of({5, 6, 6}), std_of({5, 6, 6}));
  }
}

TEST_CASE("report refuses records that do not belong to the study", "[report]") {
  const ns::Study study = ns::parse_study_text(kStudy, "unit.toml");
  std::vector<ns::TaskRecord> records = make_records(study);
  records[4].id = std::string(32, 'a');
  CHECK_THROWS_WITH(ns::report::build_report(study, records, {}),
                    Contains("is not a task of study 'report-unit'"));
  records = make_records(study);
  records[4].noise.levels[0] = {0.01, 0.2, 1.0};
  CHECK_THROWS_WITH(ns::report::build_report(study, records, {}),
                    Contains("stage 'tuned'") && Contains("one set of noise kinds and levels"));
  // A baseline evaluated without AddCor cannot give a tuned task's AddCor improvement.
  records = make_records(study);
  for (int i = 0; i < 3; ++i) {
    records[i].noise.kinds = {ns::find_nonideality("AddUnc")};
    records[i].noise.levels.resize(1);
    records[i].noise.accuracy.resize(3 * 2);
  }
  CHECK_THROWS_WITH(ns::report::build_report(study, records, {}),
                    Contains("cannot compare task 3 (stage 'tuned') with task 0 (stage "
                             "'baseline') for Δ AddCor@1") &&
                        Contains("not evaluated under noise kind AddCor; it has AddUnc"));
  CHECK_THROWS_WITH(ns::report::report_archive("/nonexistent/a.h5", {}),
                    Contains("/nonexistent/a.h5: no such archive"));
}

TEST_CASE("HTML: tables, escaped text and figures as data URLs", "[report]") {
  ScratchDir dir;
  const ns::Study study = ns::parse_study_text(kStudy, "unit.toml");
  const Report report = ns::report::report_archive(
      write_study_archive(dir, study, make_records(study)), ReportOptions{});
  fs::create_directories(dir.file("figs"));
  ns::report::write_text_file(dir.file("figs/b_curves.png"), kTinyPng);
  ns::report::write_text_file(dir.file("figs/a<1>.PNG"), kTinyPng);
  ns::report::write_text_file(dir.file("figs/notes.txt"), "not a figure");
  fs::create_directories(dir.file("figs/ablation"));
  ns::report::write_text_file(dir.file("figs/ablation/a_curves.png"), kTinyPng);
  const std::vector<ns::report::Figure> figures = ns::report::read_figures(dir.file("figs"));
  REQUIRE(figures.size() == 3);
  CHECK(figures[0].name == "a<1>.PNG");  // sorted by name, the folder's own first
  CHECK(figures[1].png == kTinyPng);
  CHECK(figures[2].name == "ablation/a_curves.png");

  const std::string html = ns::report::to_html(report, ns::report::FigureSet{"figs", figures});
  CHECK_THAT(html, Contains("<!DOCTYPE html>"));
  CHECK_THAT(html, Contains("<table>"));
  CHECK_THAT(html, Contains("<th>Δ AddUnc@1</th>"));
  CHECK_THAT(html, Contains("<td class=\"num\">92.00 ± 2.00 (n=3)</td>"));
  CHECK_THAT(html, Contains("<img src=\"data:image/png;base64," +
                            ns::report::base64_encode(kTinyPng) + "\" alt=\"a&lt;1&gt;.PNG\">"));
  CHECK_THAT(html, Contains("<figcaption>b_curves.png</figcaption>"));
  CHECK_THAT(html, Contains("diverged at epoch 2"));
  CHECK(html.find("http") == std::string::npos);  // self-contained: nothing to fetch
  CHECK_THAT(ns::report::to_html(report, ns::report::FigureSet{"empty", {}}),
             Contains("No PNG files in empty."));
  CHECK(ns::report::to_html(report, std::nullopt).find("<h2>Figures") == std::string::npos);

  ns::report::write_text_file(dir.file("figs/c.png"), "GIF89a");
  CHECK_THROWS_WITH(ns::report::read_figures(dir.file("figs")), Contains("c.png: not a PNG file"));
  CHECK_THROWS_WITH(ns::report::read_figures(dir.file("none")), Contains("no folder of figures"));
}

TEST_CASE("the protection matrix: paired gains per nonideality at one strength each", "[report]") {
  const ns::Study study = ns::parse_study_text(kStudy, "report.toml");
  const std::vector<ns::TaskRecord> records = make_records(study);

  SECTION("strengths by the rule: the harshest level keeping half of what the worst takes") {
    const Report report = ns::report::build_report(study, records, {});
    REQUIRE(report.protection);
    const ns::report::ProtectionMatrix& m = *report.protection;
    CHECK(m.kinds == std::vector<std::string>{"AddUnc", "AddCor"});
    // Baselines (tasks 0-2): clean 92, AddUnc 90 / 72 / 55 %: half of the 37 points lost at
    // variance 1 leaves 73.5, which 0.01 keeps and 0.1 does not.
    CHECK(m.strengths[0] == 0.01);
    CHECK_FALSE(m.stated[0]);
    CHECK(m.reference_clean.front().mean == Approx(92));
    CHECK(m.reference_at[0].mean == Approx(90));
    // Only the compared stage has rows: tuned, one per lambda; scratch has no reference.
    REQUIRE(m.rows.size() == 2);
    CHECK(m.rows[0].stage == "tuned");
    CHECK(m.rows[0].values == std::vector<std::string>{"reg.lambda = 0.001"});
  }

  SECTION("strengths given with --at; each cell is the task minus its parent") {
    ReportOptions options;
    options.protection_at = {{"AddUnc", 1.0}, {"AddCor", 0.9}};  // 0.9: nearest is 1
    const Report report = ns::report::build_report(study, records, options);
    const ns::report::ProtectionMatrix& m = *report.protection;
    CHECK(m.strengths == std::vector<double>{1.0, 1.0});
    CHECK(m.stated == std::vector<bool>{true, true});
    // lambda 0.001: tasks 3, 5, 7 against 0, 1, 2. Clean: -1 each; AddUnc@1: 10, 15, 11;
    // AddCor@1: 40, 40, 40.
    const std::vector<Estimate>& g = m.rows[0].gains;
    REQUIRE(g.size() == 3);
    CHECK(g[0].n == 3);
    CHECK(g[0].mean == Approx(-1));
    CHECK(g[1].mean == Approx(12));
    CHECK(g[1].ci_high - g[1].mean == Approx(4.30265272974946 * std::sqrt(7.0 / 3)));
    CHECK(g[2].mean == Approx(40));
    // lambda 0.01: task 8 diverged, so two pairs (4 with 0, 6 with 1): AddUnc 15 and 20.
    CHECK(m.rows[1].gains[1].n == 2);
    CHECK(m.rows[1].gains[1].mean == Approx(17.5));

    const std::string md = ns::report::to_markdown(report);
    CHECK_THAT(md, Contains("| stage | group | Δ clean | Δ AddUnc@1 | Δ AddCor@1 |"));
    CHECK_THAT(md, Contains("| tuned | reg.lambda = 0.001 | -1.00 ± 0.00 (n=3) | +12.00 ± "));
    const std::vector<std::string> csv = lines_of(ns::report::to_protection_csv(m));
    REQUIRE(csv.size() >= 7);  // header, 2 groups x (clean + 2 kinds)
    CHECK(csv[0] ==
          "stage,group,nonideality,strength,reference_accuracy,gain_mean,gain_std,gain_n,"
          "gain_ci_low,gain_ci_high");
    std::vector<std::string> fields;
    std::istringstream line(csv[2]);
    for (std::string f; std::getline(line, f, ',');) fields.push_back(f);
    REQUIRE(fields.size() == 10);
    CHECK(fields[0] + "," + fields[1] + "," + fields[2] + "," + fields[3] ==
          "tuned,reg.lambda = 0.001,AddUnc,1");
    CHECK(std::stod(fields[4]) == Approx(55));  // the baselines' accuracy there
    CHECK(std::stod(fields[5]) == Approx(12));
    CHECK(fields[7] == "3");
  }

  SECTION("a strength for a kind the study did not evaluate is an error") {
    ReportOptions options;
    options.protection_at = {{"ADC", 4}};
    CHECK_THROWS_WITH(ns::report::build_report(study, records, options),
                      Contains("--at ADC") && Contains("not evaluated under ADC"));
  }
}
