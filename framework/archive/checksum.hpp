#pragma once
// XXH64 from Debian's libxxhash: the journal's record checksum. It reads
// 8 bytes per step, so checking a 1.3 MB weights record costs well under a millisecond, where a
// byte-at-a-time hash such as FNV-1a would take about that long on its own.
#include <cstdint>
#include <string_view>

namespace ns {

std::uint64_t xxh64(std::string_view data, std::uint64_t seed = 0);

}  // namespace ns
