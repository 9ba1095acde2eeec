#pragma once
// Reading TOML input (run files and study files) with errors that name file, line and column.
#include <toml++/toml.h>
#include <string>
#include <string_view>

namespace ns {

// The whole file as text; ConfigError "cannot open the <what>" if it cannot be read.
std::string read_text_file(const std::string& path, std::string_view what);

// Parses TOML; a syntax error becomes a ConfigError at its line and column.
toml::table parse_toml(const std::string& text, const std::string& file);

// "an integer", "a list", ...: for messages such as "expected a number, got a string".
std::string_view toml_type_name(const toml::node& node);

}  // namespace ns
