#pragma once
// The report as one self-contained HTML page: inline CSS, the tables as HTML tables, and the
// figures as base64 data: URLs, so the file can be mailed or archived alone; it loads nothing
// from anywhere.
#include <optional>
#include <string>
#include <vector>

#include "report/files.hpp"
#include "report/report.hpp"

namespace ns::report {

struct FigureSet {
  std::string dir;  // named on the page, e.g. when it holds no PNG
  std::vector<Figure> figures;
};

std::string to_html(const Report& report, const std::optional<FigureSet>& figures);

// &, <, >, " and ' as entities: for text and attribute values alike.
std::string html_escape(const std::string& text);

}  // namespace ns::report
