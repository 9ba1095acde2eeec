#include "report/html.hpp"

#include <fmt/format.h>

#include "report/base64.hpp"
#include "report/presentation.hpp"

namespace ns::report {

namespace {

// Wide tables scroll inside their box instead of widening the page; numbers line up.
constexpr const char* kStyle = R"(
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; white-space: nowrap; }
th { background: #f0f0f0; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fafafa; }
figure { display: inline-block; margin: 1em; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #555; text-align: center; }
.failed { color: #a00; }
)";

std::string table(const TextTable& text) {
  std::string out = "<div class=\"scroll\"><table>\n<thead><tr>";
  for (const std::string& h : text.header) out += "<th>" + html_escape(h) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const std::vector<std::string>& row : text.rows) {
    out += "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c)
      out += (c < text.key_columns ? "<td>" : "<td class=\"num\">") + html_escape(row[c]) + "</td>";
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table></div>\n";
}

std::string figures_section(const FigureSet& set) {
  std::string out = "<h2>Figures</h2>\n";
  if (set.figures.empty())
    return out + fmt::format("<p>No PNG files in {}.</p>\n", html_escape(set.dir));
  for (const Figure& f : set.figures)
    out += fmt::format(
        "<figure><img src=\"data:image/png;base64,{}\" alt=\"{}\"><figcaption>{}</figcaption>"
        "</figure>\n",
        base64_encode(f.png), html_escape(f.name), html_escape(f.name));
  return out;
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string to_html(const Report& report, const std::optional<FigureSet>& figures) {
  const std::string title = html_escape(report_title(report));
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<h1>{}</h1>\n<ul>\n",
      title, kStyle, title);
  for (const std::string& line : summary_lines(report))
    out += "<li>" + html_escape(line) + "</li>\n";
  out += "</ul>\n";
  if (report.protection) {
    out += fmt::format("<h2>Protection matrix</h2>\n<p>{}</p>\n",
                       html_escape(protection_note(*report.protection)));
    out += table(protection_table(*report.protection));
  }
  for (const StageTable& stage : report.stages) {
    out += fmt::format("<h2>Stage {}</h2>\n<p>{}</p>\n", html_escape(stage.stage),
                       html_escape(stage_note(report, stage)));
    out += table(text_table(stage));
    if (!stage.failures.empty()) {
      out += fmt::format("<p class=\"failed\">Failed tasks ({}):</p>\n<ul class=\"failed\">\n",
                         stage.failures.size());
      for (const FailedTask& f : stage.failures)
        out += "<li>" + html_escape(failure_line(f)) + "</li>\n";
      out += "</ul>\n";
    }
  }
  if (figures) out += figures_section(*figures);
  return out + "</body>\n</html>\n";
}

}  // namespace ns::report
