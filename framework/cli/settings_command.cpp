// `noisesweep settings`: every key a run file may set, with its type, default and meaning.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "config/run_file.hpp"
#include "config/settings.hpp"

namespace ns::cli {

Command add_settings_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "settings", "List every run setting (TOML key, type, meaning) and print the defaults");
  auto defaults = std::make_shared<bool>(false);
  cmd->add_flag("--defaults", *defaults, "Print the full default run file instead");
  return {cmd, [defaults] {
            if (*defaults) {
              fmt::print("{}", to_toml(RunConfig{}));
              return 0;
            }
            for (const Setting& s : all_settings())
              fmt::print("{:<28} {}\n{:<28} {}\n", s.key, s.type, "", s.help);
            return 0;
          }};
}

}  // namespace ns::cli
