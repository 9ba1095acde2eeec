#include "core/machine_memory.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace ns {

namespace {

// A limit in bytes read from a control group file; 0 when the file is missing or says "max".
double read_limit(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return 0;
  try {
    return std::stod(text);
  } catch (const std::exception&) {
    return 0;
  }
}

// The memory cgroup of this process, as /proc/self/cgroup names it: "0::/PATH" (version 2) or
// "N:memory:/PATH" (version 1).
std::string cgroup_path(const std::string& controller) {
  std::ifstream in("/proc/self/cgroup");
  for (std::string line; std::getline(in, line);) {
    std::istringstream parts(line);
    std::string id, controllers, path;
    std::getline(parts, id, ':');
    std::getline(parts, controllers, ':');
    std::getline(parts, path);
    if (controllers == controller) return path;
  }
  return "";
}

}  // namespace

MachineMemory machine_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGE_SIZE);
  MachineMemory m{pages > 0 && page_size > 0 ? double(pages) * double(page_size) : 0,
                  "physical memory"};
  // Inside a container /sys/fs/cgroup is often the process's own group already, so both the
  // group's path and the root are tried. Version 1 reports "no limit" as a huge number, which
  // the physical memory undercuts.
  const std::string v2 = cgroup_path(""), v1 = cgroup_path("memory");
  for (const std::string& file :
       {"/sys/fs/cgroup" + v2 + "/memory.max", std::string("/sys/fs/cgroup/memory.max"),
        "/sys/fs/cgroup/memory" + v1 + "/memory.limit_in_bytes",
        std::string("/sys/fs/cgroup/memory/memory.limit_in_bytes")}) {
    const double limit = read_limit(file);
    if (limit > 0 && (m.bytes == 0 || limit < m.bytes)) m = {limit, "the limit in " + file};
  }
  // An address-space limit (ulimit -v, or a batch system's) stops allocations just as surely.
  if (rlimit as{}; getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    const double limit = double(as.rlim_cur);
    if (limit > 0 && (m.bytes == 0 || limit < m.bytes))
      m = {limit, "the address-space limit (ulimit -v)"};
  }
  return m;
}

}  // namespace ns
