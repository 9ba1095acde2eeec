#pragma once
// How wide the tables printed for a person may be.
#include <cstddef>

namespace ns::cli {

// Standard output's terminal width in characters (100 when the terminal does not say), or 0
// when standard output is not a terminal: a file or a pipe gets every column.
std::size_t terminal_width();

}  // namespace ns::cli
