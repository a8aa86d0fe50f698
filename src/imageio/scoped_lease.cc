#include "imageio/scoped_lease.h"

#include <cstdint>
#include <random>

#include "core/status.h"
#include "core/timestamp.h"
#include "gc/labels.h"

namespace reclaim {

absl::StatusOr<std::unique_ptr<ScopedLease>> ScopedLease::Create(Store& store, const Clock& clock,
                                                                 std::string_view prefix) {
  std::random_device rd;
  const uint64_t r = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(prefix);
  for (int shift = 60; shift >= 0; shift -= 4) id += kHex[(r >> shift) & 0xF];
  Labels labels;
  labels[std::string(gc::kLabelExpire)] = FormatRfc3339Nano(clock.Now() + kOperationLeaseExpiry);
  RECLAIM_RETURN_IF_ERROR(store.leases().CreateLease(id, labels).status());
  return std::unique_ptr<ScopedLease>(new ScopedLease(store, std::move(id)));
}

ScopedLease::~ScopedLease() { (void)store_.leases().DeleteLease(id_, /*sync=*/false); }

absl::Status ScopedLease::Protect(const Digest& digest) {
  return store_.leases().AddLeaseResource(
      id_, LeaseResource{LeaseResourceType::kContent, digest.str(), ""});
}

}  // namespace reclaim
