// File: registry/content_range.h
//
// How a ranged blob answer continues a partial download (containerd's
// httpReadSeeker, specs/registry.md A2.4). A fetch resuming at `offset` sends
// `Range: bytes=<offset>-`; the answer then says where its body starts:
//
//   RECLAIM_ASSIGN_OR_RETURN(ResumePlan p, PlanResume(offset, status, content_range));
//   // p.discard: body bytes to hash but not write (a 200 that ignored the Range)
//   // p.replay_prefix: whether the sink's first `offset` bytes must be re-hashed
//
//  - offset 0: the whole body, nothing to discard.
//  - 206 with `Content-Range: bytes <offset>-<end>/<size|*>`: the body starts at
//    `offset`; the prefix already held is replayed into the hash.
//  - 200 without Content-Range (the server ignored Range): the body starts at
//    0, so its first `offset` bytes are discarded (hashed, not written).
//  - anything else (a Content-Range starting elsewhere, a 206 without one):
//    FailedPrecondition "unhandled content range in response".
//
// Thread-safety: pure functions.
#ifndef RECLAIM_REGISTRY_CONTENT_RANGE_H_
#define RECLAIM_REGISTRY_CONTENT_RANGE_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace reclaim {

struct ResumePlan {
  uint64_t discard = 0;
  bool replay_prefix = false;
  friend bool operator==(const ResumePlan&, const ResumePlan&) = default;
};

[[nodiscard]] absl::StatusOr<ResumePlan> PlanResume(uint64_t offset, int http_status,
                                                    std::string_view content_range);

}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_CONTENT_RANGE_H_
