#include "study/shard.hpp"

#include <fmt/format.h>
#include <charconv>

#include "core/error.hpp"

namespace ns {

int root_of(const Study& study, int task) {
  while (study.tasks[task].parent) task = *study.tasks[task].parent;
  return task;
}

bool Shard::contains(const Study& study, int task) const {
  // Roots are numbered in task order, so consecutive roots go to consecutive shards and every
  // shard gets an equal share of each stage.
  return whole() || root_of(study, task) % count == index;
}

std::string Shard::str() const {
  return fmt::format("{}/{}", index, count);
}

Shard parse_shard(const std::string& text) {
  Shard s;
  const auto slash = text.find('/');
  const char* end = text.data() + text.size();
  const bool ok =
      slash != std::string::npos &&
      std::from_chars(text.data(), text.data() + slash, s.index).ptr == text.data() + slash &&
      std::from_chars(text.data() + slash + 1, end, s.count).ptr == end && s.count >= 1 &&
      s.index >= 0 && s.index < s.count;
  if (!ok) throw Error(fmt::format("--shard '{}': expected I/K with 0 <= I < K, e.g. 0/3", text));
  return s;
}

}  // namespace ns
