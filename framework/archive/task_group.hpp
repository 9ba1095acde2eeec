#pragma once
// One task's record from the /tasks/<id> group of a format 2 archive (README, "Archives of
// format 2"). Format 3 stores records as table rows (record_tables.hpp).
#include <string>
#include <utility>
#include <vector>

#include "archive/archive.hpp"
#include "io/h5.hpp"
#include "record/task_record.hpp"

namespace ns {

struct StoredTask {
  TaskRecord record;
  AxisValues axes;  // in key name order; the archive's axis_keys give the study's order
};

// Throws ArchiveError naming the object for a missing or malformed part.
StoredTask read_task_group(const h5::Group& task);

}  // namespace ns
