// File: service/image_views.h
//
// What the image list and image inspect both read of an image: the config it
// shows (the host platform's), its RepoTags and RepoDigests, and its unique
// bytes; and the list cache's records (ImageService's private state). Private
// to service/.
//
// Thread-safety: pure functions; ListBase is immutable once built, ListCache
// is guarded by its mutex.
#ifndef RECLAIM_SERVICE_IMAGE_VIEWS_H_
#define RECLAIM_SERVICE_IMAGE_VIEWS_H_

#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "service/image_service.h"
#include "service/inventory/inventory.h"

namespace reclaim {
namespace image_views {

// The largest config blob read.
inline constexpr int64_t kMaxConfigSize = 16 << 20;

bool IsDangling(const ImageRecord& r);

// The config an image shows: the host platform's (not an attestation), else
// the first non-attestation config; -1 when none is present.
int SelectConfig(const TargetWalk& walk);

// RepoTags and RepoDigests of the records of one target (sorted by name).
void RepoNames(const std::vector<const ImageRecord*>& records, std::vector<std::string>* tags,
               std::vector<std::string>* digests);

struct Sizes {
  int64_t blobs = 0;
  int64_t shared = 0;
};

// Unique bytes of a walk's present blobs and its chain IDs' snapshots; blobs or
// snapshots counted in `users` more than once are also added to `shared`.
Sizes WalkSizes(const TargetWalk& walk, const Inventory& inv,
                const std::map<std::string, int>* users);

}  // namespace image_views

// The unfiltered inputs of a list, gathered once per store state: the
// inventory (no GC graph) and the walks of its targets, and, computed on first
// use, the unfiltered list itself.
struct ImageService::ListBase {
  std::optional<uint64_t> generation;  // nullopt: the store cannot tell; not cached
  Inventory inv;
  TargetWalks walks;
  mutable std::once_flag unfiltered_once;
  mutable absl::StatusOr<std::shared_ptr<const std::vector<ImageSummary>>> unfiltered =
      absl::UnknownError("not computed");
};

// The cache of the last ListBase and the build in flight (single-flight: the
// lists that find the same store generation wait for one build).
struct ImageService::ListCache {
  using Result = absl::StatusOr<std::shared_ptr<const ListBase>>;
  std::mutex mu;
  std::shared_ptr<const ListBase> base;  // guarded by mu
  uint64_t installed_seq = 0;            // guarded by mu: the flight `base` came from
  uint64_t next_seq = 0;                 // guarded by mu
  bool flying = false;                   // guarded by mu
  uint64_t flight_generation = 0;        // guarded by mu
  std::shared_future<Result> flight;     // guarded by mu
};

}  // namespace reclaim

#endif  // RECLAIM_SERVICE_IMAGE_VIEWS_H_
