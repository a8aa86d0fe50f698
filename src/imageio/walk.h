// File: imageio/walk.h
//
// Walking an image graph in a Store: the image target (a manifest or an index)
// and, below it, the manifests, configs and layers that are present.
//
// WalkPresentChildren is moby's walkPresentChildren (specs/prune.md §3.3), a
// synchronous pre-order depth-first walk (containerd images.Walk):
//   1. Info(desc): NotFound skips desc and its subtree silently (the callback
//      is not invoked); any other error aborts the walk.
//   2. callback(desc); an error aborts the walk.
//   3. children via core/descriptor.h Children (manifests: config then layers;
//      indexes: every entry, no platform filtering). NotFound while reading the
//      blob skips the children silently; any other error (invalid JSON,
//      media-type mismatch, DataLoss from Children) aborts.
// Duplicates are not removed: a descriptor reached twice is visited twice.
// The walk is iterative (an explicit stack), so deep graphs cannot exhaust the
// call stack.
//
// ChildGcLabels computes the `containerd.io/gc.ref.content.*` labels containerd's
// SetChildrenLabels puts on a manifest or index for its children, which is what
// keeps them alive across a collection.
//
// Thread-safety: the functions are as thread-safe as the Store they are given.
#ifndef RECLAIM_IMAGEIO_WALK_H_
#define RECLAIM_IMAGEIO_WALK_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/descriptor.h"
#include "store/store.h"

namespace reclaim {

// Manifests and indexes larger than this are not read by the walk
// (ResourceExhausted aborts it). Registries cap manifests at 4 MiB.
inline constexpr int64_t kMaxWalkBlobSize = 16 << 20;

using WalkFn = std::function<absl::Status(const Descriptor& desc)>;
using WalkInfoFn = std::function<absl::Status(const Descriptor& desc, const ContentInfo& info)>;

// prune.md §3.3, exactly (see the file comment).
[[nodiscard]] absl::Status WalkPresentChildren(Store& store, const Descriptor& root,
                                               const WalkFn& fn);
// The same walk, handing the callback the ContentInfo it looked up.
[[nodiscard]] absl::Status WalkPresentChildrenWithInfo(Store& store, const Descriptor& root,
                                                       const WalkInfoFn& fn);

// The present image configs (IsConfig media types) reachable from `target`, in
// walk order, each digest once.
[[nodiscard]] absl::StatusOr<std::vector<Descriptor>> PresentConfigs(Store& store,
                                                                     const Descriptor& target);

// The unique set of present blobs reachable from `target` (the target itself
// included when present), sorted by digest, with their stored sizes and labels.
[[nodiscard]] absl::StatusOr<std::vector<ContentInfo>> PresentBlobs(Store& store,
                                                                    const Descriptor& target);

// containerd's ChildGCLabels + SetChildrenMappedLabels for a parent whose
// children are `children`, in order: configs (IsKnownConfig) get
// `containerd.io/gc.ref.content.config`, manifests `...content.m.<i>`, layers
// `...content.l.<i>`, anything else `...content.<i>`, each with its own
// counter; a second config becomes `...content.config1` (Go's "%s%d"). Values are digests.
Labels ChildGcLabels(const std::vector<Descriptor>& children);

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_WALK_H_
