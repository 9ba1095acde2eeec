#include "report/markdown.hpp"

#include <fmt/format.h>

#include "report/presentation.hpp"

namespace ns::report {

namespace {

// A '|' inside a cell would end it; line breaks would end the row.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const std::string& c : cells) {
    out += ' ';
    out += cell(c);
    out += " |";
  }
  return out + "\n";
}

std::string table(const TextTable& text) {
  std::string out = row(text.header);
  out += "|";
  for (std::size_t c = 0; c < text.header.size(); ++c)
    out += c < text.key_columns ? "---|" : "---:|";  // numbers right-aligned
  out += "\n";
  for (const std::vector<std::string>& r : text.rows) out += row(r);
  return out;
}

}  // namespace

std::string to_markdown(const Report& report) {
  std::string out = fmt::format("# {}\n\n", report_title(report));
  for (const std::string& line : summary_lines(report)) out += fmt::format("- {}\n", line);
  if (report.protection) {
    out += fmt::format("\n## Protection matrix\n\n{}\n\n", protection_note(*report.protection));
    out += table(protection_table(*report.protection));
  }
  for (const StageTable& stage : report.stages) {
    out += fmt::format("\n## Stage {}\n\n{}\n\n", stage.stage, stage_note(report, stage));
    out += table(text_table(stage));
    if (!stage.failures.empty()) {
      out += fmt::format("\nFailed tasks ({}):\n\n", stage.failures.size());
      for (const FailedTask& f : stage.failures) out += fmt::format("- {}\n", failure_line(f));
    }
  }
  return out;
}

}  // namespace ns::report
