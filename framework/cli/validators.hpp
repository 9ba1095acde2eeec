#pragma once
// Checks of command-line values whose messages a user can act on. CLI11's own PositiveNumber
// names its range up to the largest double (a 300-digit number).
#include <CLI/CLI.hpp>

namespace ns::cli {

// A number > 0: "must be a number > 0, got 0".
CLI::Validator positive_number();
// An integer in [low, high]: "must be an integer from 1 to 1024, got 100000".
CLI::Validator integer_in(long low, long high);

}  // namespace ns::cli
