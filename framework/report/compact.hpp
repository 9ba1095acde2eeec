#pragma once
// The report's default view, for a terminal or a paper draft: one table for the whole study,
// one row per group of every stage, with its clean accuracy and, per noise kind, the accuracy
// at the kind's harshest reported level with the gain over the reference task beside it
// ("57.1 (+32.2 ± 1.1)"). Columns are padded to line up, and a table wider than `max_width`
// is split into several, each repeating the row labels, so that every line fits.
#include <string>

#include "report/report.hpp"

namespace ns::report {

std::string to_compact_markdown(const Report& report, std::size_t max_width = 100);

}  // namespace ns::report
