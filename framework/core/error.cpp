#include "core/error.hpp"

#include <fmt/format.h>

namespace ns {

std::string SourcePlace::str() const {
  if (line == 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

ConfigError::ConfigError(SourcePlace place, std::string key, const std::string& what)
    : Error(fmt::format("{}: {}{}", place.str(), key.empty() ? "" : "'" + key + "': ", what)),
      place_(std::move(place)),
      key_(std::move(key)) {}

DataError::DataError(std::string file, const std::string& what)
    : Error(fmt::format("{}: {}", file, what)), file_(std::move(file)) {}

ArchiveError::ArchiveError(std::string file, std::string object, const std::string& what)
    : Error(fmt::format("{}{}: {}", file, object.empty() ? "" : ":" + object, what)),
      file_(std::move(file)),
      object_(std::move(object)) {}

DivergenceError::DivergenceError(int epoch, long batch, double loss)
    : Error(fmt::format("diverged at epoch {}, batch {} (loss = {})", epoch, batch, loss)),
      epoch_(epoch),
      batch_(batch) {}

}  // namespace ns
