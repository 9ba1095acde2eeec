#pragma once
// What every archive's root says about its format, and the provenance of an archive of the
// format before 3 (root attributes and /study_text; layout in README, "Archives of format 2").
#include "archive/archive.hpp"
#include "io/h5.hpp"

namespace ns {

// The archive's format_version, 2 or 3; throws ArchiveError, saying what the file is, for a file
// of another kind or version.
int archive_format_version(const h5::Group& root);
// Throws ArchiveError for tasks named by an id scheme that a newer release introduced.
void check_task_id_scheme(const h5::Group& root, int scheme);
// The provenance of a format 2 archive.
ArchiveInfo read_legacy_provenance(const h5::Group& root);

}  // namespace ns
