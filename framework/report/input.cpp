// Reading what a report needs from an archive (and its journal).
#include <fmt/format.h>

#include <filesystem>

#include "archive/archive.hpp"
#include "archive/journal.hpp"
#include "core/error.hpp"
#include "report/report.hpp"

namespace ns::report {

ReportInput read_report_input(const std::string& archive) {
  if (!std::filesystem::exists(archive)) {
    const std::string journal = journal_path(archive);
    if (std::filesystem::exists(journal))
      throw Error(
          fmt::format("{}: the sweep has not written its archive yet (its journal {} "
                      "holds the tasks finished so far); report again after its first "
                      "checkpoint",
                      archive, journal));
    throw Error(fmt::format("{}: no such archive", archive));
  }
  ArchiveSnapshot snapshot = read_archive_and_journal(archive);
  ReportInput input;
  // The archive keeps the study text, so stages, axes and parent links come back exactly.
  input.study =
      parse_study_text(snapshot.contents.info.study_text, snapshot.contents.info.study_file);
  input.records = std::move(snapshot.contents.records);
  input.from_journal = snapshot.from_journal;
  input.journal_problems = snapshot.journal_problems;
  return input;
}

Report report_archive(const std::string& archive, const ReportOptions& options) {
  const ReportInput input = read_report_input(archive);
  Report report = build_report(input.study, input.records, options);
  report.archive = archive;
  report.from_journal = input.from_journal;
  report.journal_problems = input.journal_problems;
  return report;
}

}  // namespace ns::report
