#pragma once
// Run files: a TOML table of settings (see config/settings.hpp) over the defaults of RunConfig.
#include <map>
#include <string>

#include "config/run_config.hpp"
#include "config/settings.hpp"

namespace ns {

struct RunFile {
  RunConfig config;
  std::string text;  // the file as written, kept for provenance
  std::map<std::string, SourcePlace, std::less<>> places;  // where each key was set
};

// Applies every key of `table` (nested tables become dotted keys) and records its place.
void apply_table(RunConfig& cfg, const toml::table& table, const std::string& file,
                 std::map<std::string, SourcePlace, std::less<>>& places,
                 const std::string& prefix = "");

// Checks that need several settings at once (list lengths against the layer count, files that
// must exist). Errors cite the place of the offending key.
void validate(const RunConfig& cfg, const std::map<std::string, SourcePlace, std::less<>>& places,
              const std::string& file);

// Read and checked setting by setting, then validated as a whole.
RunFile parse_run_text(const std::string& text, const std::string& file);
RunFile load_run_file(const std::string& path);
// The same without the whole-run validation, for a caller that changes settings first (the
// command line's --set, a network's own shape) and then validates once: a check must see the
// settings that will run, e.g. not a train.init_from file that --set replaces.
RunFile read_run_text(const std::string& text, const std::string& file);
RunFile read_run_file(const std::string& path);

// The fully resolved settings as a TOML document: every key, defaults included, one
// `dotted.key = value` line each in schema order. Canonical: equal settings give equal text.
std::string to_toml(const RunConfig& cfg);

}  // namespace ns
