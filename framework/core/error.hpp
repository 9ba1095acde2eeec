#pragma once
// One exception hierarchy for the whole framework. Library code throws; only main() prints and
// exits. Each subclass carries the context a user needs to find the problem.
#include <cstddef>
#include <stdexcept>
#include <string>

namespace ns {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A position in a configuration file; line 0 means "not known".
struct SourcePlace {
  std::string file;
  std::size_t line = 0;
  std::size_t column = 0;
  std::string str() const;
};

// Bad settings in a run or study file: names the file, line, key and what is wrong.
class ConfigError : public Error {
 public:
  ConfigError(SourcePlace place, std::string key, const std::string& what);
  const SourcePlace& place() const { return place_; }
  const std::string& key() const { return key_; }

 private:
  SourcePlace place_;
  std::string key_;
};

// Bad or unreadable data files: names the file.
class DataError : public Error {
 public:
  DataError(std::string file, const std::string& what);
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

// HDF5 failures: names the file and the object path inside it.
class ArchiveError : public Error {
 public:
  ArchiveError(std::string file, std::string object, const std::string& what);

 private:
  std::string file_, object_;
};

// Training produced a non-finite loss. Kept apart so callers can record a "diverged" status.
class DivergenceError : public Error {
 public:
  DivergenceError(int epoch, long batch, double loss);
  int epoch() const { return epoch_; }
  long batch() const { return batch_; }

 private:
  int epoch_;
  long batch_;
};

// A run abandoned on request (a stop signal) between epochs: neither a result nor a failure.
class Cancelled : public Error {
 public:
  Cancelled() : Error("cancelled") {}
};

}  // namespace ns
