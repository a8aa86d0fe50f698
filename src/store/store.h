// File: store/store.h
//
// A Store is what reclaim needs from an image store, whether the embedded one
// (store/local) or a real containerd (store/containerd), composed of small
// roles the way containerd composes its services:
//
//   images()      ImageStore      image records              store/images.h
//   content()     ContentStore    blobs by digest, writers   store/content.h
//   containers()  ContainerStore  reclaim's container records store/containers.h
//   leases()      LeaseStore      leases                     store/leases.h
//   snapshots()   SnapshotStore   unpacked layer chains      store/snapshots.h
//   collector()   Collector       the one collection         store/collector.h
//
// Callers take the narrowest role they need (a walk reads content(), a prune
// deletes through collector()); a wrapper that watches one role overrides only
// that accessor (store/forwarding_store.h). Nothing above store/ knows which
// store it talks to; every implementation passes the role conformance suites
// in store/conformance/. The model is containerd's (design.md "Vocabulary").
//
// Thread-safety: implementations and their roles are safe for concurrent use
// by many threads.
#ifndef RECLAIM_STORE_STORE_H_
#define RECLAIM_STORE_STORE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "store/collector.h"
#include "store/containers.h"
#include "store/content.h"
#include "store/images.h"
#include "store/leases.h"
#include "store/records.h"
#include "store/snapshots.h"

namespace reclaim {

class Store {
 public:
  virtual ~Store() = default;

  // A short name for messages: "local /var/lib/reclaim", "containerd /run/…sock (ns default)".
  virtual std::string Describe() const = 0;

  virtual ImageStore& images() = 0;
  virtual ContentStore& content() = 0;
  virtual ContainerStore& containers() = 0;
  virtual LeaseStore& leases() = 0;
  virtual SnapshotStore& snapshots() = 0;
  virtual Collector& collector() = 0;

  // ---- change detection
  // A number that differs from an earlier answer whenever an image or
  // container record was created, updated or deleted in between (it may also
  // change without such a write). Stores that cannot tell answer Unimplemented
  // (the default); callers then compare the records themselves.
  [[nodiscard]] virtual absl::StatusOr<uint64_t> RecordsGeneration() {
    return absl::UnimplementedError("records generation: not supported by " + Describe());
  }
  // A number that differs from an earlier answer whenever anything a listing
  // can see changed in between: image or container records, content (a commit,
  // a deletion, a label update, a collection) or leases (it may also change
  // without such a write). A cache keyed by it must read it before it reads the
  // store. Stores that cannot tell answer Unimplemented (the default); callers
  // then read the store every time.
  [[nodiscard]] virtual absl::StatusOr<uint64_t> StateGeneration() {
    return absl::UnimplementedError("state generation: not supported by " + Describe());
  }
};

}  // namespace reclaim

#endif  // RECLAIM_STORE_STORE_H_
