#pragma once
// Prose for a terminal: paragraphs broken at spaces so that no line passes a width.
#include <cstddef>
#include <string>

namespace ns {

// Each line of `text` longer than `width` is broken at its last space before the limit, and
// the continuation indented by `indent` spaces. A word longer than the line stays whole.
std::string wrap(const std::string& text, std::size_t width = 100, std::size_t indent = 2);

}  // namespace ns
