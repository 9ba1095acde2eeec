// Reading what a report needs from an archive (and its journal).
#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "archive/archive.hpp"
#include "archive/journal.hpp"
#include "core/error.hpp"
#include "report/report.hpp"

namespace ns::report {

ReportInput read_report_input(const std::string& archive) {
  if (!std::filesystem::exists(archive)) {
    const std::string journal = archive + ".journal";
    if (std::filesystem::exists(journal))
      throw Error(
          fmt::format("{}: the sweep has not written its archive yet (its journal {} "
                      "holds the tasks finished so far); report again after its first "
                      "checkpoint",
                      archive, journal));
    throw Error(fmt::format("{}: no such archive", archive));
  }
  ArchiveContents contents = read_archive(archive);
  ReportInput input;
  // The archive keeps the study text, so stages, axes and parent links come back exactly.
  input.study = parse_study_text(contents.info.study_text, contents.info.study_file);
  std::vector<TaskRecord> records = std::move(contents.records);
  const std::string journal = archive + ".journal";
  if (std::filesystem::exists(journal)) {
    std::vector<TaskRecord> more = read_journal(journal, input.study.hash);
    std::set<std::string> archived;
    for (const TaskRecord& r : records) archived.insert(r.id);
    for (const TaskRecord& r : more) input.from_journal += archived.insert(r.id).second ? 1 : 0;
    records.insert(records.end(), std::make_move_iterator(more.begin()),
                   std::make_move_iterator(more.end()));
  }
  input.records = keep_one_per_task(std::move(records));
  return input;
}

Report report_archive(const std::string& archive, const ReportOptions& options) {
  const ReportInput input = read_report_input(archive);
  Report report = build_report(input.study, input.records, options);
  report.archive = archive;
  report.from_journal = input.from_journal;
  return report;
}

}  // namespace ns::report
