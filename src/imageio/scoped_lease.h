// File: imageio/scoped_lease.h
//
// A lease for the duration of one load or import: created with
// containerd.io/gc.expire = now + 1h (so a crashed process does not pin content
// forever), and deleted (without a synchronous collection) when the object
// goes away, whatever happened. Content written under it is protected from a
// concurrent collection until then.
//
//   RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<ScopedLease> lease,
//                            ScopedLease::Create(store, clock, "reclaim-load-"));
//   WriterOptions w;  w.lease_id = lease->id();
//
// Thread-safety: not shared between threads.
#ifndef RECLAIM_IMAGEIO_SCOPED_LEASE_H_
#define RECLAIM_IMAGEIO_SCOPED_LEASE_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/clock.h"
#include "store/store.h"

namespace reclaim {

inline constexpr absl::Duration kOperationLeaseExpiry = absl::Hours(1);

class ScopedLease {
 public:
  // `prefix` + 16 random hex digits; `prefix` starts with kOperationLeasePrefix
  // (store/leases.h), so a store whose owner died can drop the lease.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ScopedLease>> Create(Store& store,
                                                                           const Clock& clock,
                                                                           std::string_view prefix);
  ~ScopedLease();
  ScopedLease(const ScopedLease&) = delete;
  ScopedLease& operator=(const ScopedLease&) = delete;

  const std::string& id() const { return id_; }
  // Adds content the operation relies on but did not write (already present).
  [[nodiscard]] absl::Status Protect(const Digest& digest);

 private:
  ScopedLease(Store& store, std::string id) : store_(store), id_(std::move(id)) {}
  Store& store_;
  std::string id_;
};

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_SCOPED_LEASE_H_
