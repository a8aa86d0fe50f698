// File: store/snapshots.h
//
// SnapshotStore: the role of a store that keeps unpacked layer chains
// (containerd's Snapshots service): keyed by chain ID, with a parent, labels
// and a disk usage. The embedded store does not unpack and lists none.
//
// Thread-safety: implementations are safe for concurrent use.
#ifndef RECLAIM_STORE_SNAPSHOTS_H_
#define RECLAIM_STORE_SNAPSHOTS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "store/records.h"

namespace reclaim {

class SnapshotStore {
 public:
  virtual ~SnapshotStore() = default;

  // The store's snapshots (of its configured snapshotter) with parent, labels
  // and usage. Empty on stores that do not unpack.
  [[nodiscard]] virtual absl::StatusOr<std::vector<SnapshotUsage>> ListSnapshots() = 0;
};

// A SnapshotStore with no snapshots (the embedded store).
class NoSnapshots final : public SnapshotStore {
 public:
  absl::StatusOr<std::vector<SnapshotUsage>> ListSnapshots() override {
    return std::vector<SnapshotUsage>();
  }
};

}  // namespace reclaim

#endif  // RECLAIM_STORE_SNAPSHOTS_H_
