#include "archive/provenance.hpp"

#include "study/task_id.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace ns {
namespace {

void check_format(const h5::Group& root) {
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
                                   "which reads version {}: they lack the per-task network "
                                   "statistics; run the study again into a new archive",
                                   kArchiveFormatVersion));
  }
  if (version != kArchiveFormatVersion) {
    throw ArchiveError(file, "/",
                       fmt::format("unsupported format_version {} (this build reads version {})",
                                   version, kArchiveFormatVersion));
  }
}

}  // namespace

void write_provenance(h5::Group& root, const ArchiveInfo& info) {
  root.set_attr("format", kArchiveFormat);
  root.set_attr("format_version", kArchiveFormatVersion);
  root.set_attr("study_name", info.study_name);
  root.set_attr("study_file", info.study_file);
  root.set_attr("study_hash", info.study_hash);
  root.set_attr("program_version", info.program_version);
  root.set_attr("git_commit", info.git_commit);
  root.set_attr("git_dirty", info.git_dirty ? 1 : 0);
  root.set_attr("compiler", info.compiler);
  root.set_attr("eigen_version", info.eigen_version);
  root.set_attr("hdf5_version", info.hdf5_version);
  root.set_attr("mpi_version", info.mpi_version);
  root.set_attr("numeric_build", info.numeric_build);
  root.set_attr("hosts", info.hosts);
  root.set_attr("started", info.started);
  root.set_attr("finished", info.finished);
  root.set_attr("ranks", info.ranks);
  if (!info.reused_from.empty()) root.set_attr("reused_from", info.reused_from);
  if (!info.shard.empty()) root.set_attr("shard", info.shard);
  root.set_attr("task_id_scheme", info.task_id_scheme);
  // A dataset, not an attribute: a study file may outgrow an attribute's 64 KiB.
  root.write_text("study_text", info.study_text);
}

ArchiveInfo read_provenance(const h5::Group& root) {
  check_format(root);
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
  if (info.task_id_scheme > kTaskIdScheme)
    throw ArchiveError(root.file_path(), "/",
                       fmt::format("names its tasks by id scheme {}, which a newer release of "
                                   "noisesweep wrote; this release knows schemes 0 to {}",
                                   info.task_id_scheme, kTaskIdScheme));
  info.study_text = root.read_text("study_text");
  return info;
}

}  // namespace ns
