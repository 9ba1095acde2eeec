#pragma once
// From a stage's structure to its tasks' resolved settings.
#include <string>
#include <vector>

#include "study/study.hpp"
#include "study/study_spec.hpp"

namespace ns {

// How many tasks the stage expands to (variants x grid), without expanding it; a double, since
// a hostile grid's product overflows any integer.
double stage_task_count(const StageSpec& stage);

// The tasks of one stage, variant-major, then the grid in row-major order (the first axis
// written varies slowest). Each task's config is resolved as RunConfig defaults <- [defaults]
// <- the stage's settings <- its variant <- its grid point <- the derived seed, then checked
// with the run files' validate(); errors cite the line of the key that set the offending value.
// Fills stage, config and replicate; ids, parents and axes are left to the caller.
std::vector<Task> expand_stage(const StudySpec& study, const StageSpec& stage,
                               const std::string& file);

// A task's value on a swept key as TOML text: the seed axis value for "seed", else the
// schema's show().
std::string axis_text(const Task& task, const std::string& key);

// "seed = 0, reg.lambda = 0.01": a task's values on the given keys, for messages.
std::string describe(const Task& task, const std::vector<std::string>& keys);

}  // namespace ns
