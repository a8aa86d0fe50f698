// File: store/collector.h
//
// Collector: the role of a store's garbage collection (containerd's GC, gc/):
// everything no root reaches goes. `DeleteImagesAndCollect` is the one call a
// prune makes: delete every named record (no collection in between), then
// collect exactly once. Conformance: store/conformance/collector.cc.
//
//   RECLAIM_ASSIGN_OR_RETURN(BatchDeleteResult r, store.collector().DeleteImagesAndCollect(
//       names, {.after_deletions = [&](const std::vector<ImageDeletion>& d) { ... }}));
//
// Thread-safety: implementations are safe for concurrent use.
#ifndef RECLAIM_STORE_COLLECTOR_H_
#define RECLAIM_STORE_COLLECTOR_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/images.h"
#include "store/records.h"

namespace reclaim {

struct DeleteAndCollectOptions {
  // Run once between the record deletions and the collection, given each
  // name's outcome (a prune releases snapshot labels there). Other writers may
  // run between the deletions and the hook.
  std::function<void(const std::vector<ImageDeletion>&)> after_deletions;
};

class Collector {
 public:
  virtual ~Collector() = default;

  // One full collection.
  [[nodiscard]] virtual absl::StatusOr<CollectResult> Collect() = 0;
  // Deletes each named record (no collection in between), runs
  // `options.after_deletions`, then exactly one collection. Per-name failures
  // are reported, not fatal; the returned status is an error only when the
  // collection itself failed.
  [[nodiscard]] virtual absl::StatusOr<BatchDeleteResult> DeleteImagesAndCollect(
      const std::vector<std::string>& names, const DeleteAndCollectOptions& options = {}) = 0;
};

// DeleteImagesAndCollect for stores without a batch delete: the records one by
// one through `images`, the hook, then `collector.Collect()`.
[[nodiscard]] inline absl::StatusOr<BatchDeleteResult> DeleteEachThenCollect(
    ImageStore& images, Collector& collector, const std::vector<std::string>& names,
    const DeleteAndCollectOptions& options) {
  BatchDeleteResult result;
  result.deletions.reserve(names.size());
  for (const std::string& name : names) {
    result.deletions.push_back(ImageDeletion{name, images.DeleteImage(name)});
  }
  if (options.after_deletions) options.after_deletions(result.deletions);
  absl::StatusOr<CollectResult> collected = collector.Collect();
  if (!collected.ok()) return collected.status();
  result.collected = *std::move(collected);
  return result;
}

}  // namespace reclaim

#endif  // RECLAIM_STORE_COLLECTOR_H_
