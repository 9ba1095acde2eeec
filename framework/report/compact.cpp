#include "report/compact.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/presentation.hpp"

namespace ns::report {

namespace {

// Columns on screen: UTF-8 continuation bytes take none ("±", "Δ" and "—" are one column each).
std::size_t display_width(const std::string& text) {
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

std::string pad(const std::string& text, std::size_t width, bool right) {
  const std::size_t fill = width - std::min(width, display_width(text));
  return right ? fmt::format("{:>{}}{}", "", fill, text) : fmt::format("{}{:>{}}", text, "", fill);
}

// Per kind, the metric shown: the accuracy at the level its gain uses (the highest selected
// level), or its harshest level when nothing is compared.
struct KindColumn {
  int accuracy = -1, gain = -1;  // indices into StageTable::metrics; -1: none
};

KindColumn column_of(const StageTable& table, const std::string& kind) {
  KindColumn c;
  for (int m = 0; m < int(table.metrics.size()); ++m) {
    const Metric& metric = table.metrics[m];
    if (metric.kind != kind) continue;
    if (metric.what == MetricKind::GainAccuracy) c.gain = m;
    if (metric.what == MetricKind::Accuracy) c.accuracy = m;  // the last is the harshest
  }
  if (c.gain >= 0)
    for (int m = 0; m < int(table.metrics.size()); ++m)
      if (table.metrics[m].what == MetricKind::Accuracy && table.metrics[m].kind == kind &&
          table.metrics[m].level == table.metrics[c.gain].level)
        c.accuracy = m;
  return c;
}

std::string compact_cell(const GroupRow& row, const KindColumn& c) {
  if (c.accuracy < 0 || row.cells[c.accuracy].n == 0) return "—";
  const std::string accuracy = fmt::format("{:.1f}", row.cells[c.accuracy].mean);
  if (c.gain < 0 || row.cells[c.gain].n == 0) return accuracy;
  const Estimate& g = row.cells[c.gain];
  const double shown = std::round(g.mean * 10) == 0 ? 0.0 : g.mean;
  if (g.n == 1) return fmt::format("{} ({:+.1f})", accuracy, shown);
  return fmt::format("{} ({:+.1f} ± {:.1f})", accuracy, shown, g.ci_high - g.mean);
}

// The shortest dotted suffix of `key` that no other key of the report ends with:
// "data.synthetic.separation" -> "separation", unless another key ends in ".separation".
std::string short_key(const std::string& key, const std::vector<std::string>& keys) {
  for (std::size_t dot = key.rfind('.'); dot != std::string::npos && dot > 0;
       dot = key.rfind('.', dot - 1)) {
    const std::string suffix = key.substr(dot + 1);
    const bool unique = std::none_of(keys.begin(), keys.end(), [&](const std::string& other) {
      return other != key && (other == suffix || other.ends_with("." + suffix));
    });
    if (unique) return suffix;
  }
  return key;
}

// Whether the value of key k follows from the variant's label in every row of the stage (the
// variant sets it): then the label alone names the group.
bool follows_label(const StageTable& table, std::size_t label, std::size_t k) {
  for (const GroupRow& a : table.rows)
    for (const GroupRow& b : table.rows)
      if (a.values[label] == b.values[label] && a.values[k] != b.values[k]) return false;
  return true;
}

std::string group_text(const Report& report, const StageTable& table, const GroupRow& row) {
  const auto label = std::find(table.keys.begin(), table.keys.end(), "label");
  std::vector<std::string> parts;
  for (std::size_t k = 0; k < table.keys.size(); ++k) {
    if (table.keys.begin() + k == label) {
      parts.push_back(display_value(row.values[k]));
      continue;
    }
    if (label != table.keys.end() && follows_label(table, label - table.keys.begin(), k)) continue;
    parts.push_back(fmt::format("{} = {}", short_key(table.keys[k], report.keys),
                                display_value(row.values[k])));
  }
  return parts.empty() ? "—" : fmt::format("{}", fmt::join(parts, ", "));
}

struct Grid {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::size_t label_columns = 0;  // repeated in every block; the rest are split between blocks
};

Grid compact_grid(const Report& report) {
  std::vector<std::string> kinds;  // every stage's kinds, in order of first appearance
  for (const StageTable& t : report.stages)
    for (const std::string& k : t.kinds)
      if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
  Grid grid;
  grid.header = {"stage", "group", "n", "clean"};
  grid.label_columns = 2;
  for (const std::string& kind : kinds) {
    // The level in the header when every stage shows the same one.
    std::string level;
    bool same = true;
    for (const StageTable& t : report.stages) {
      const KindColumn c = column_of(t, kind);
      if (c.accuracy < 0) continue;
      const std::string here = fmt::format("{:g}", t.metrics[c.accuracy].level);
      same = same && (level.empty() || level == here);
      level = here;
    }
    grid.header.push_back(same && !level.empty() ? fmt::format("{}@{}", kind, level) : kind);
  }
  for (const StageTable& t : report.stages) {
    int clean = -1;
    for (int m = 0; m < int(t.metrics.size()); ++m)
      if (t.metrics[m].what == MetricKind::Clean) clean = m;
    for (const GroupRow& row : t.rows) {
      std::vector<std::string> cells{t.stage, group_text(report, t, row), format_count(row),
                                     clean >= 0 && row.cells[clean].n > 0
                                         ? fmt::format("{:.1f}", row.cells[clean].mean)
                                         : "—"};
      for (const std::string& kind : kinds) cells.push_back(compact_cell(row, column_of(t, kind)));
      grid.rows.push_back(std::move(cells));
    }
  }
  return grid;
}

std::size_t column_width(const Grid& grid, std::size_t c) {
  std::size_t w = std::max<std::size_t>(3, display_width(grid.header[c]));
  for (const auto& row : grid.rows) w = std::max(w, display_width(row[c]));
  return w + 3;  // " x |"
}

std::string markdown_block(const Grid& grid, const std::vector<std::size_t>& columns) {
  std::vector<std::size_t> width;
  for (std::size_t c : columns) width.push_back(column_width(grid, c) - 3);
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out = "|";
    for (std::size_t i = 0; i < columns.size(); ++i)
      out +=
          fmt::format(" {} |", pad(cells[columns[i]], width[i], columns[i] >= grid.label_columns));
    out += '\n';
    return out;
  };
  std::string out = line(grid.header);
  out += '|';
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const bool number = columns[i] >= grid.label_columns;  // right-aligned
    out.append(width[i] + (number ? 1 : 2), '-');
    out += number ? ":|" : "|";
  }
  out += '\n';
  for (const auto& row : grid.rows) out += line(row);
  return out;
}

}  // namespace

std::string to_compact_markdown(const Report& report, std::size_t max_width) {
  const Grid grid = compact_grid(report);
  std::string out = fmt::format("# {}\n\n", report_title(report));
  std::string tasks = fmt::format("{} tasks: {} done, {} failed, {} pending", report.tasks,
                                  report.done, report.failed, report.pending);
  out += fmt::format("- archive: {}; {}\n", report.archive, tasks);
  out +=
      "- cells: accuracy in % (mean over a group's done tasks) under each kind at its harshest\n"
      "  level shown; in brackets the gain over the reference task (its parent, or --baseline)\n"
      "  in percentage points ± the half-width of its 95% interval\n"
      "- `--columns all` adds every level, spreads, AUCs and the protection matrix\n\n";
  if (grid.rows.empty()) return out + "No finished tasks yet.\n";

  std::vector<std::size_t> labels;
  std::size_t label_width = 1;
  for (std::size_t c = 0; c < grid.label_columns; ++c) {
    labels.push_back(c);
    label_width += column_width(grid, c);
  }
  // Blocks of columns that fit, each with the row labels; at least one column per block.
  std::vector<std::size_t> block = labels;
  std::size_t width = label_width;
  int blocks = 0;
  for (std::size_t c = grid.label_columns; c < grid.header.size(); ++c) {
    const std::size_t w = column_width(grid, c);
    if (block.size() > labels.size() && width + w > max_width) {
      if (blocks++) out += '\n';
      out += markdown_block(grid, block);
      block = labels;
      width = label_width;
    }
    block.push_back(c);
    width += w;
  }
  if (blocks) out += '\n';
  out += markdown_block(grid, block);
  for (const StageTable& t : report.stages)
    for (const FailedTask& f : t.failures) out += fmt::format("\n- {}", failure_line(f));
  return out.ends_with('\n') ? out : out + "\n";
}

}  // namespace ns::report
