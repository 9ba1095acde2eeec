#pragma once
// What built this program, for the provenance recorded in every archive.
#include <string>

namespace ns {

const char* git_commit();  // the source tree's commit at build time, or "unknown"
bool git_dirty();          // whether tracked files differed from that commit
std::string program_version();
std::string compiler_version();
std::string eigen_version();
std::string hdf5_version();

}  // namespace ns
