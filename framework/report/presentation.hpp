#pragma once
// The words and numbers of a report as text, shared by the Markdown and HTML writers so that
// both say the same thing; each writer adds only its markup and escaping.
#include <string>
#include <vector>

#include "report/report.hpp"

namespace ns::report {

// "97.91 ± 0.05 (n=3)" (mean ± sample std, %); for a gain "+12.00 ± 6.57 (n=3)" (mean ±
// 95% CI half-width, percentage points); "97.91 (n=1)" or "+12.00 (n=1)" without a spread;
// "—" when n = 0.
std::string format_cell(const Metric& metric, const Estimate& e);

// The n column: done tasks, then failed and pending ones when there are any:
// "3", "1 (failed: 2)", "2 (failed: 1, pending: 1)".
std::string format_count(const GroupRow& row);

// A swept value for people and spreadsheets: TOML strings lose their quotes ("mnist" ->
// mnist); numbers and lists stay as written.
std::string display_value(const std::string& toml_text);

struct TextTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::size_t key_columns = 0;  // the first columns hold grouping values, the rest numbers
};
TextTable text_table(const StageTable& table);
// The protection matrix: stage and group, then Δ clean and Δ per kind at its strength.
TextTable protection_table(const ProtectionMatrix& matrix);
// How its strengths were chosen, and the reference's accuracy there.
std::string protection_note(const ProtectionMatrix& matrix);

std::string report_title(const Report& report);  // "Ablation report: test-small"
// Header lines: archive, task counts, levels, grouping, and what the cells mean.
std::vector<std::string> summary_lines(const Report& report);
// What the stage's improvement columns compare with, and its levels.
std::string stage_note(const Report& report, const StageTable& table);
// "task 5 (seed = 1, reg.lambda = 0.01) diverged: diverged at epoch 1, ..." on one line.
std::string failure_line(const FailedTask& failure);

}  // namespace ns::report
