#pragma once
// Task ids that survive new releases. A task's id hashes what decides its computation and
// nothing else: its stage, the settings whose values differ from the id scheme's frozen
// defaults, and its parent's id (lineage). So a release that adds a setting, with a default that
// keeps the old behaviour, changes no id: archives keep resuming, `--reuse` keeps matching.
//
// Scheme 1 (this one): id = hash("noisesweep-task/1", stage, the sorted "key = value" lines of
// settings that differ from their frozen default, "parent = <parent id>"). The frozen defaults
// are the defaults of the release that introduced the scheme, written out in task_id.cpp; a
// setting added later is compared with its own default. Changing a default therefore changes
// the ids of exactly the tasks that relied on it, as it should. eval.chunk is left out: it
// splits the evaluation into blocks for memory and does not change results.
//
// Scheme 0 (archives and journals written before scheme 1): id = hash(stage, every setting of
// that release with its value, and the parent's scheme-0 id). Such records are recognised by
// their index and renamed to their scheme-1 ids when read (upgrade_task_ids in
// archive/archive.hpp), so old archives resume, merge and report with this release.
#include <optional>
#include <string>
#include <vector>

#include "config/run_config.hpp"

namespace ns {

struct Study;

inline constexpr int kTaskIdScheme = 1;

// The "key = value" lines (sorted by key) that make a task's settings part of its id.
std::string identity_text(const RunConfig& cfg);

// The id of a task of `stage` with these resolved settings; `parent_id` empty for none.
std::string task_id(const std::string& stage, const RunConfig& cfg, const std::string& parent_id);

// Every task's scheme-0 id, by index; "" for a task that sets something scheme 0 did not know.
std::vector<std::string> scheme0_task_ids(const Study& study);

}  // namespace ns
