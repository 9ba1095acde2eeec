#include "archive/provenance.hpp"

#include "study/task_id.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace ns {

int archive_format_version(const h5::Group& root) {
  const std::string& file = root.file_path();
  if (!root.has_attr("format"))
    throw ArchiveError(file, "/", "not a noisesweep archive (no 'format' attribute)");
  const std::string format = root.get_attr_string("format");
  if (format != kArchiveFormat) {
    throw ArchiveError(file, "/",
                       fmt::format("not a noisesweep archive (format is '{}', expected '{}')",
                                   format, kArchiveFormat));
  }
  const std::int64_t version = root.get_attr_int64("format_version");
  if (version == 1) {
    throw ArchiveError(file, "/",
                       fmt::format("format_version 1 archives are not readable by this build, "
                                   "which reads versions {} and {}: they lack the per-task "
                                   "network statistics; run the study again into a new archive",
                                   kLegacyArchiveFormatVersion, kArchiveFormatVersion));
  }
  if (version != kLegacyArchiveFormatVersion && version != kArchiveFormatVersion) {
    throw ArchiveError(file, "/",
                       fmt::format("unsupported format_version {} (this build reads versions {} "
                                   "and {})",
                                   version, kLegacyArchiveFormatVersion, kArchiveFormatVersion));
  }
  return static_cast<int>(version);
}

void check_task_id_scheme(const h5::Group& root, int scheme) {
  if (scheme > kTaskIdScheme)
    throw ArchiveError(root.file_path(), "/",
                       fmt::format("names its tasks by id scheme {}, which a newer release of "
                                   "noisesweep wrote; this release knows schemes 0 to {}",
                                   scheme, kTaskIdScheme));
}

ArchiveInfo read_legacy_provenance(const h5::Group& root) {
  ArchiveInfo info;
  info.study_name = root.get_attr_string("study_name");
  info.study_file = root.get_attr_string("study_file");
  info.study_hash = root.get_attr_string("study_hash");
  info.program_version = root.get_attr_string("program_version");
  info.git_commit = root.get_attr_string("git_commit");
  info.git_dirty = root.get_attr_int64("git_dirty") != 0;
  info.compiler = root.get_attr_string("compiler");
  info.eigen_version = root.get_attr_string("eigen_version");
  info.hdf5_version = root.get_attr_string("hdf5_version");
  info.mpi_version = root.get_attr_string("mpi_version");
  if (root.has_attr("numeric_build")) info.numeric_build = root.get_attr_string("numeric_build");
  info.hosts = root.get_attr_strings("hosts");
  info.started = root.get_attr_double("started");
  info.finished = root.get_attr_double("finished");
  info.ranks = static_cast<int>(root.get_attr_int64("ranks"));
  if (root.has_attr("reused_from")) info.reused_from = root.get_attr_strings("reused_from");
  info.shard = root.has_attr("shard") ? root.get_attr_string("shard") : "";
  // Archives from before the attribute name their tasks by scheme 0.
  info.task_id_scheme =
      root.has_attr("task_id_scheme") ? int(root.get_attr_int64("task_id_scheme")) : 0;
  check_task_id_scheme(root, info.task_id_scheme);
  info.study_text = root.read_text("study_text");
  return info;
}

}  // namespace ns
