// `noisesweep merge A.h5 B.h5 ... -o OUT.h5`: one archive from the archives of shards or jobs.
#include <fmt/format.h>

#include "archive/archive.hpp"
#include "cli/commands.hpp"

namespace ns::cli {

Command add_merge_command(CLI::App& app) {
  struct Options {
    std::vector<std::string> inputs;
    std::string output;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "Join the archives of one study's shards or separate jobs into one archive. Archives of\n"
      "different studies are refused; a task in several inputs is kept once (a finished run of\n"
      "it before a failed one).");
  cmd->add_option("archives", o->inputs, "Input archives")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", o->output, "Merged archive (may be one of the inputs)")
      ->required();
  return {cmd, [o] {
            merge_archives(o->inputs, o->output);
            const ArchiveContents merged = read_archive(o->output);
            fmt::print("merged {} archives of study {} into {}: {} tasks\n", o->inputs.size(),
                       merged.info.study_name, o->output, merged.records.size());
            return 0;
          }};
}

}  // namespace ns::cli
