#pragma once
// A fresh folder under the system's temporary directory for one test, removed with everything
// in it when the test ends. Shared by the unit tests that write files.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};  // unique within the process; the pid across processes
    dir_ = std::filesystem::temp_directory_path() /
           ("noisesweep_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  // The names of the files in it, sorted.
  std::vector<std::string> names() const {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(dir_))
      found.push_back(entry.path().filename().string());
    std::sort(found.begin(), found.end());
    return found;
  }

 private:
  std::filesystem::path dir_;
};
