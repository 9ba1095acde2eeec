#pragma once
// One task's record as the archive's /tasks/<id> group (layout in archive.hpp).
#include <string>
#include <utility>
#include <vector>

#include "io/h5.hpp"
#include "record/task_record.hpp"

namespace ns {

using AxisValues = std::vector<std::pair<std::string, std::string>>;  // (key, TOML text)

// Creates tasks/<r.id>. Throws Error for a record that cannot be stored as it is (an id that
// is not a plain name, noise accuracies that do not fill kinds x levels x repetitions,
// malformed network statistics).
void write_task_group(h5::Group& tasks, const TaskRecord& r, const AxisValues& axes);

struct StoredTask {
  TaskRecord record;
  AxisValues axes;  // in key name order; the archive's axis_keys give the study's order
};

// Throws ArchiveError naming the object for a missing or malformed part.
StoredTask read_task_group(const h5::Group& task);

}  // namespace ns
