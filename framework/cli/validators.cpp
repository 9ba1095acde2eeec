#include "cli/validators.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <string>

namespace ns::cli {

CLI::Validator positive_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
            value <= 0)
          return fmt::format("must be a number > 0, got '{}'", text);
        return "";
      },
      "NUMBER > 0");
}

CLI::Validator integer_in(long low, long high) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        long value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc() || end != text.data() + text.size() || value < low || value > high)
          return fmt::format("must be an integer from {} to {}, got '{}'", low, high, text);
        return "";
      },
      fmt::format("INTEGER in [{}, {}]", low, high));
}

CLI::Validator output_file(std::string example_name) {
  return CLI::Validator(
      [example_name](std::string& text) -> std::string {
        std::error_code ignored;
        if (!std::filesystem::is_directory(text, ignored)) return "";
        const std::string folder = text.ends_with('/') ? text.substr(0, text.size() - 1) : text;
        return fmt::format("'{}' is a folder; give the path of a file in it (e.g. {}/{})", text,
                           folder, example_name);
      },
      "FILE");
}

}  // namespace ns::cli
