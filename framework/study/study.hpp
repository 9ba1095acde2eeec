#pragma once
// A study: a TOML file that declares defaults for every run setting, grids and explicit variants
// over any setting, stages that fine-tune from earlier stages, and seed replicates. Expanding it
// gives the list of tasks, each a fully resolved run.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/run_config.hpp"

namespace ns {

struct Task {
  std::string id;     // 32 hex digits: hash of settings_text (so, of everything that defines it)
  std::string stage;  // name of its stage
  int index = 0;      // position in the study's expansion: the stable order of tasks
  RunConfig config;   // resolved; config.train.init_from is "" (the parent's weights are passed
                      // in memory by the scheduler)
  std::string settings_text;  // canonical TOML of the resolved settings; for a dependent task
                              // it names the parent: init_from = "task:<parent id>"
  std::optional<int> parent;  // index of the task whose trained weights it starts from
  // The values this task takes on the study's swept keys, as TOML text (key, value), in the
  // study's axis order; e.g. ("reg.rowsum", "[1, 30]"), ("seed", "2").
  std::vector<std::pair<std::string, std::string>> axes;
  bool store_weights = false;  // keep the trained weights in the archive
};

struct Study {
  std::string name;
  std::string file;
  std::string text;  // the study file as written
  std::string hash;  // 32 hex digits of `text`
  std::uint64_t seed = 1;
  std::vector<std::string> stages;     // in file order
  std::vector<std::string> axis_keys;  // every swept key of any stage, in first-seen order
  std::vector<Task> tasks;             // parents always come before their children
};

Study load_study(const std::string& path);
Study parse_study_text(const std::string& text, const std::string& file);

// 128-bit hash of a text as 32 hex digits (two independent 64-bit hashes).
std::string hash_hex(const std::string& text);

}  // namespace ns
