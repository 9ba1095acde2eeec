#pragma once
// ArchiveInfo as the archive's root attributes and /study_text (layout in archive.hpp).
#include "archive/archive.hpp"
#include "io/h5.hpp"

namespace ns {

// Also writes the format attributes.
void write_provenance(h5::Group& root, const ArchiveInfo& info);
// Checks the format attributes first: a file of another kind or version is refused by name.
ArchiveInfo read_provenance(const h5::Group& root);

}  // namespace ns
