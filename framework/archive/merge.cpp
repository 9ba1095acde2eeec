#include "archive/archive.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "archive/archive_lock.hpp"
#include "archive/journal.hpp"
#include "core/error.hpp"

namespace ns {
namespace {

void check_same_study(const std::string& first_path, const ArchiveInfo& first,
                      const std::string& path, const ArchiveInfo& info) {
  if (info.study_hash == first.study_hash) return;
  throw ArchiveError(path, "/",
                     fmt::format("belongs to study '{}' (hash {}), but {} belongs to study '{}' "
                                 "(hash {}): archives of different studies cannot be merged",
                                 info.study_name, info.study_hash, first_path, first.study_name,
                                 first.study_hash));
}

void add_provenance(ArchiveInfo& merged, const ArchiveInfo& info) {
  for (const std::string& host : info.hosts)
    if (std::find(merged.hosts.begin(), merged.hosts.end(), host) == merged.hosts.end())
      merged.hosts.push_back(host);
  merged.started = std::min(merged.started, info.started);
  merged.finished = std::max(merged.finished, info.finished);
  merged.ranks = std::max(merged.ranks, info.ranks);
  merged.git_dirty = merged.git_dirty || info.git_dirty;
  if (merged.shard != info.shard) merged.shard = "0/1";  // shards joined: part of the whole
  for (const std::string& source : info.reused_from)
    if (std::find(merged.reused_from.begin(), merged.reused_from.end(), source) ==
        merged.reused_from.end())
      merged.reused_from.push_back(source);
}

void add_axes(StudyAxes& merged, const StudyAxes& axes) {
  for (const std::string& key : axes.keys)
    if (std::find(merged.keys.begin(), merged.keys.end(), key) == merged.keys.end())
      merged.keys.push_back(key);
  for (const auto& [id, values] : axes.by_task) merged.by_task.emplace(id, values);
}

}  // namespace

std::vector<TaskRecord> keep_one_per_task(std::vector<TaskRecord> records) {
  std::vector<TaskRecord> kept;
  std::map<std::string, std::size_t> position;  // id -> index in kept
  for (TaskRecord& r : records) {
    const auto [at, inserted] = position.emplace(r.id, kept.size());
    if (inserted)
      kept.push_back(std::move(r));
    else if (kept[at->second].status != TaskStatus::Done && r.status == TaskStatus::Done)
      kept[at->second] = std::move(r);
  }
  return kept;
}

MergeReport merge_archives(const std::vector<std::string>& inputs, const std::string& output,
                           bool allow_mixed_builds) {
  if (inputs.empty()) throw Error("merge needs at least one archive");
  const ArchiveLock lock(output);
  lock.remove_leftovers();
  std::error_code ignored;
  const bool output_is_input = std::any_of(inputs.begin(), inputs.end(), [&](const auto& in) {
    return std::filesystem::equivalent(in, output, ignored);
  });
  if (!output_is_input && std::filesystem::exists(journal_path(output), ignored))
    throw ArchiveError(output, "",
                       fmt::format("holds the journal {} of an interrupted sweep, whose tasks the "
                                   "merge would orphan: resume that sweep, or name it as an "
                                   "input, or merge into another file",
                                   journal_path(output)));
  MergeReport report;
  ArchiveContents merged;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    ArchiveSnapshot next = read_archive_and_journal(inputs[i]);
    if (!next.journal_unreadable.empty())  // merging without its tasks would lose them
      throw ArchiveError(inputs[i], "",
                         fmt::format("cannot read its journal: {}", next.journal_unreadable));
    if (next.live) report.live_inputs.push_back(inputs[i]);
    report.from_journals += next.from_journal;
    if (i == 0) {
      merged = std::move(next.contents);
      continue;
    }
    check_same_study(inputs.front(), merged.info, inputs[i], next.contents.info);
    add_provenance(merged.info, next.contents.info);
    add_axes(merged.axes, next.contents.axes);
    for (TaskRecord& r : next.contents.records) merged.records.push_back(std::move(r));
  }
  std::vector<TaskRecord> records = keep_one_per_task(std::move(merged.records));
  if (!allow_mixed_builds) {
    BuildCounts builds;
    for (const TaskRecord& r : records) count_build(builds, r);
    require_one_build(output, builds, "");
  }
  report.tasks = records.size();
  write_archive(output, merged.info, records, merged.axes);
  return report;
}

}  // namespace ns
