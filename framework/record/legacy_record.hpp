#pragma once
// Task records in the byte encodings of versions 2 to 4 (releases 0.1.0 to 0.6.0), which
// journals of those releases hold: read so that their sweeps still resume, never written.
// Frozen: these layouts never change.
#include <cstdint>

#include "record/bytes.hpp"
#include "record/task_record.hpp"

namespace ns {

inline constexpr std::uint32_t kOldestLegacyRecordVersion = 2;
inline constexpr std::uint32_t kNewestLegacyRecordVersion = 4;

// The fields after the magic number and the version; throws Error("corrupt task record: ...")
// for malformed input (the caller checks that nothing follows).
TaskRecord decode_legacy_record(bytes::Reader& in, std::uint32_t version);

}  // namespace ns
