#include "archive/checksum.hpp"

#include <xxhash.h>

namespace ns {

std::uint64_t xxh64(std::string_view data, std::uint64_t seed) {
  return XXH64(data.data(), data.size(), seed);
}

}  // namespace ns
