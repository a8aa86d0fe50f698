// File: store/leases.h
//
// LeaseStore: the role of a store that keeps leases (containerd's Leases
// service): a lease holds content, ingests and snapshots that an operation is
// still writing or using, until it is deleted or its `containerd.io/gc.expire`
// passes. Conformance: store/conformance/leases.cc.
//
// Thread-safety: implementations are safe for concurrent use.
#ifndef RECLAIM_STORE_LEASES_H_
#define RECLAIM_STORE_LEASES_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/records.h"

namespace reclaim {

// Leases whose ID starts with this are held by one reclaim operation (a load,
// pull, push or import: imageio/scoped_lease.h) for as long as it runs. A
// store that can prove their owner is gone drops them when it opens (the
// embedded store: its LOCK admits one process at a time), so what a killed
// operation wrote is collectable at once instead of after the lease expires.
inline constexpr std::string_view kOperationLeasePrefix = "reclaim-";

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  // AlreadyExists when the ID is taken.
  [[nodiscard]] virtual absl::StatusOr<Lease> CreateLease(std::string_view id,
                                                          const Labels& labels) = 0;
  [[nodiscard]] virtual absl::StatusOr<std::vector<Lease>> ListLeases() = 0;
  [[nodiscard]] virtual absl::Status AddLeaseResource(std::string_view lease_id,
                                                      const LeaseResource& resource) = 0;
  // With `sync`, returns after a collection that no longer counts the lease.
  [[nodiscard]] virtual absl::Status DeleteLease(std::string_view id, bool sync) = 0;
};

}  // namespace reclaim

#endif  // RECLAIM_STORE_LEASES_H_
