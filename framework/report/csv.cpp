#include "report/csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/presentation.hpp"

namespace ns::report {

namespace {

std::string field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Shortest text that reads back to the same double; empty for NaN.
std::string number(double x) {
  return std::isnan(x) ? "" : fmt::format("{}", x);
}

void append_row(std::string& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += field(fields[i]);
  }
  out += '\n';
}

}  // namespace

std::string to_csv(const Report& report) {
  std::vector<std::string> metric_names;  // every stage's metrics, first use first
  for (const StageTable& t : report.stages)
    for (const Metric& m : t.metrics)
      if (std::find(metric_names.begin(), metric_names.end(), m.csv_name()) == metric_names.end())
        metric_names.push_back(m.csv_name());

  std::vector<std::string> header = {"stage"};
  header.insert(header.end(), report.keys.begin(), report.keys.end());
  for (const char* c : {"tasks", "done", "failed", "pending", "compared_with"}) header.push_back(c);
  for (const std::string& name : metric_names)
    for (const char* part : {"mean", "std", "n", "ci_low", "ci_high"})
      header.push_back(fmt::format("{}_{}", name, part));
  std::string out;
  append_row(out, header);

  for (const StageTable& t : report.stages)
    for (const GroupRow& row : t.rows) {
      std::vector<std::string> fields = {t.stage};
      for (const std::string& key : report.keys) {
        const auto k = std::find(t.keys.begin(), t.keys.end(), key) - t.keys.begin();
        fields.push_back(k < std::ptrdiff_t(t.keys.size()) ? display_value(row.values[k]) : "");
      }
      for (int count : {int(row.tasks.size()), row.done, row.failed, row.pending})
        fields.push_back(fmt::format("{}", count));
      fields.push_back(t.compared_with);
      for (const std::string& name : metric_names) {
        const auto m = std::find_if(t.metrics.begin(), t.metrics.end(),
                                    [&](const Metric& x) { return x.csv_name() == name; }) -
                       t.metrics.begin();
        if (m == std::ptrdiff_t(t.metrics.size())) {
          fields.insert(fields.end(), 5, "");
          continue;
        }
        const Estimate& e = row.cells[m];
        fields.insert(fields.end(), {number(e.mean), number(e.std), fmt::format("{}", e.n),
                                     number(e.ci_low), number(e.ci_high)});
      }
      append_row(out, fields);
    }
  return out;
}

std::string to_protection_csv(const ProtectionMatrix& matrix) {
  std::string out;
  append_row(out, {"stage", "group", "nonideality", "strength", "reference_accuracy", "gain_mean",
                   "gain_std", "gain_n", "gain_ci_low", "gain_ci_high"});
  for (const ProtectionMatrix::Row& row : matrix.rows)
    for (std::size_t c = 0; c < row.gains.size(); ++c) {
      const bool clean = c == 0;
      const Estimate& e = row.gains[c];
      const Estimate& reference =
          clean ? matrix.reference_clean.front() : matrix.reference_at[c - 1];
      append_row(
          out, {row.stage, fmt::format("{}", fmt::join(row.values, ", ")),
                clean ? "clean" : matrix.kinds[c - 1], clean ? "" : number(matrix.strengths[c - 1]),
                number(reference.mean), number(e.mean), number(e.std), fmt::format("{}", e.n),
                number(e.ci_low), number(e.ci_high)});
    }
  return out;
}

}  // namespace ns::report
