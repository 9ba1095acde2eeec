// Prose wrapped for a terminal: every line within the width, nothing lost or reordered.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/wrap.hpp"

namespace {

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("wrap: lines within the width, the same words in the same order", "[text]") {
  std::string text;
  for (int i = 0; i < 60; ++i)
    text += "word" + std::to_string(i * 37 % 1000) + (i % 7 ? " " : "  ");
  text += "\nshort line\n";
  for (std::size_t width : {20u, 37u, 100u}) {
    const std::string wrapped = ns::wrap(text, width, 2);
    for (const std::string& l : lines(wrapped)) CHECK(l.size() <= width);
    CHECK(words(wrapped) == words(text));
    CHECK(wrapped.back() == '\n');
    CHECK(lines(wrapped).back() == "short line");  // a short line stays as it is
  }
}

TEST_CASE("wrap: continuation lines are indented; a word longer than the line stays whole",
          "[text]") {
  const std::string wrapped = ns::wrap("aaaa bbbb cccc dddd", 10, 2);
  CHECK(wrapped == "aaaa bbbb\n  cccc\n  dddd");
  const std::string long_word(30, 'x');
  CHECK(ns::wrap("a " + long_word + " b", 10, 2) == "a\n  " + long_word + "\n  b");
}
