#pragma once
// The `--json` output of `status` and `plan`, for scripts (slurm/submit, slurm/status): one JSON
// object on stdout and nothing else. Its first key, "schema", names the layout and its version
// ("noisesweep-status/1"); README.md ("Output for scripts") lists the fields. A change that
// removes or redefines a field bumps the version; new fields may appear without one.
#include <nlohmann/json.hpp>

namespace ns::cli {

// Keys stay in the order they were added, so the output reads like the text it mirrors.
using Json = nlohmann::ordered_json;

// Prints `doc` to stdout, indented by 2, with a final newline. Strings are escaped as JSON
// requires (quotes, backslashes, newlines and other control characters); bytes that are not
// valid UTF-8 (a failure message quoting a file name, say) become U+FFFD instead of an error.
void print_json(const Json& doc);

}  // namespace ns::cli
