#pragma once
// The report as Markdown (GitHub tables): a title and summary list, then per stage a heading,
// a note on its levels and comparison, the table, and its failed tasks with their messages.
#include <string>

#include "report/report.hpp"

namespace ns::report {

std::string to_markdown(const Report& report);

}  // namespace ns::report
