// File: imageio/store_writes.h
//
// Store writes shared by load and import (internal to imageio/): committing
// content under the operation's ScopedLease (a blob the store already holds is
// protected by the lease instead of written again), and pointing an image name
// at a new target (create, or update when it exists or a concurrent create
// wins the race).
//
//   RECLAIM_ASSIGN_OR_RETURN(LeasedBlob b, WriteBlobUnderLease(store, *lease, bytes,
//                                          media_types::kOciManifest, "-", {}));
//   RECLAIM_ASSIGN_OR_RETURN(ImageUpsert u, CreateOrUpdateImage(store, name, b.descriptor));
//
// Thread-safety: free functions; as safe as the Store and lease passed in (a
// ScopedLease is not shared between threads).
#ifndef RECLAIM_IMAGEIO_STORE_WRITES_H_
#define RECLAIM_IMAGEIO_STORE_WRITES_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/descriptor.h"
#include "imageio/scoped_lease.h"
#include "store/store.h"

namespace reclaim {

// Commits `w` as d.size / d.digest with `labels`. When the store already holds
// that content (AlreadyExists), `lease` protects it instead and `labels`, if
// any, are set on it. Returns true when this commit wrote the content, false
// when it was already there; any other commit error is returned as is.
[[nodiscard]] absl::StatusOr<bool> CommitUnderLease(Store& store, ScopedLease& lease,
                                                    ContentWriter& w, const Descriptor& d,
                                                    const Labels& labels);

struct LeasedBlob {
  Descriptor descriptor;  // media type, sha256 digest and size of the bytes
  bool written = false;   // false: the store already had it
};

// Writes the in-memory blob `bytes` of `media_type` under `lease` (writer ref
// lease.id() + ref_infix + hex digest, expected size and digest set), then
// commits it as CommitUnderLease does.
[[nodiscard]] absl::StatusOr<LeasedBlob> WriteBlobUnderLease(Store& store, ScopedLease& lease,
                                                             const std::string& bytes,
                                                             std::string_view media_type,
                                                             std::string_view ref_infix,
                                                             const Labels& labels);

struct ImageUpsert {
  bool created = false;                       // a new record (else an existing one was updated)
  std::optional<Descriptor> previous_target;  // an updated record's old target, when it differed
};

// Points image `name` at `target`: creates the record when there is none;
// otherwise (also when a concurrent create wins the race) updates its target.
[[nodiscard]] absl::StatusOr<ImageUpsert> CreateOrUpdateImage(Store& store, const std::string& name,
                                                              const Descriptor& target);

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_STORE_WRITES_H_
