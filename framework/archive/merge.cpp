#include "archive/archive.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

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

void merge_archives(const std::vector<std::string>& inputs, const std::string& output) {
  if (inputs.empty()) throw Error("merge needs at least one archive");
  ArchiveContents merged = read_archive(inputs.front());
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    ArchiveContents next = read_archive(inputs[i]);
    check_same_study(inputs.front(), merged.info, inputs[i], next.info);
    add_provenance(merged.info, next.info);
    add_axes(merged.axes, next.axes);
    for (TaskRecord& r : next.records) merged.records.push_back(std::move(r));
  }
  write_archive(output, merged.info, keep_one_per_task(std::move(merged.records)), merged.axes);
}

}  // namespace ns
