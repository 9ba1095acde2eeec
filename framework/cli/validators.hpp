#pragma once
// Checks of command-line values whose messages a user can act on. CLI11's own PositiveNumber
// names its range up to the largest double (a 300-digit number).
#include <CLI/CLI.hpp>

#include <string>

namespace ns::cli {

// A number > 0: "must be a number > 0, got 0".
CLI::Validator positive_number();
// An integer in [low, high]: "must be an integer from 1 to 1024, got 100000".
CLI::Validator integer_in(long low, long high);
// A file to write, not an existing folder: "'figs' is a folder; give the path of a file in it
// (e.g. figs/report.html)". Checked while parsing, so nothing is written before the refusal.
CLI::Validator output_file(std::string example_name);

}  // namespace ns::cli
