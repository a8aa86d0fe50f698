// File: core/labels.h
//
// containerd's label size rule (containerd `labels.Validate`), which Docker
// applies to every `label` / `label!` filter value before matching
// (prune.md §2.2): a label's key and value together may be at most 4096 bytes.
//
// Thread-safety: stateless, safe to call concurrently.
#ifndef RECLAIM_CORE_LABELS_H_
#define RECLAIM_CORE_LABELS_H_

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"

namespace reclaim {

// Maximum of key.size() + value.size(), in bytes.
inline constexpr size_t kMaxLabelSize = 4096;
// How many bytes of the key the error message shows.
inline constexpr size_t kLabelErrorKeyMaxLen = 64;

// OK when key.size() + value.size() <= 4096. Otherwise InvalidArgument with
// containerd's text:
//   label key and value length (<n> bytes) greater than maximum size (4096
//   bytes), key: <key, cut to its first 64 bytes>: invalid argument
// The cut is byte-wise, as Go's k[:64], and may split a UTF-8 sequence.
[[nodiscard]] absl::Status ValidateLabel(std::string_view key, std::string_view value);

}  // namespace reclaim

#endif  // RECLAIM_CORE_LABELS_H_
