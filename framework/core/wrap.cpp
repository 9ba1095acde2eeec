#include "core/wrap.hpp"

#include <sstream>

namespace ns {

std::string wrap(const std::string& text, std::size_t width, std::size_t indent) {
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    // The spaces of a continuation's indent are no place to break it.
    for (std::size_t lead = 0; line.size() > width; lead = indent) {
      std::size_t cut = line.rfind(' ', width);
      if (cut == std::string::npos || cut < lead || (lead == 0 && cut == 0))
        cut = line.find(' ', width);
      if (cut == std::string::npos) break;
      out += line.substr(0, cut) + "\n";
      line = std::string(indent, ' ') + line.substr(cut + 1);
    }
    out += line + "\n";
  }
  // getline drops a final newline only; keep the text's own ending.
  if (!text.empty() && text.back() != '\n' && !out.empty()) out.pop_back();
  return out;
}

}  // namespace ns
