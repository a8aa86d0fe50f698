#include "store/local/reserve.h"

#include <algorithm>

#include "absl/status/statusor.h"

namespace reclaim {
namespace {

constexpr uint64_t kMinFree = 1 << 20;  // below this a filesystem counts as full

}  // namespace

bool SpaceReserve::ReleaseIfFull() const {
  absl::StatusOr<bool> exists = fs->Exists(Path());
  if (!exists.ok() || !*exists) return false;
  absl::StatusOr<uint64_t> free = fs->FreeBytes(root);
  if (!free.ok() || *free >= std::max(bytes, kMinFree)) return false;
  return fs->Remove(Path()).ok();
}

void SpaceReserve::Restore() const {
  if (bytes == 0) return;
  absl::StatusOr<bool> exists = fs->Exists(Path());
  if (!exists.ok() || *exists) return;
  absl::StatusOr<uint64_t> free = fs->FreeBytes(root);
  if (!free.ok() || *free < 2 * bytes) return;
  // Best effort: a failure leaves no file, and a later collection tries again.
  (void)fs->Allocate(Path(), bytes);
}

absl::Status SpaceReserve::NoSpaceError(const absl::Status& s) const {
  if (s.ok()) return s;
  absl::StatusOr<uint64_t> free = fs->FreeBytes(root);
  const bool full = absl::IsResourceExhausted(s) || (free.ok() && *free < kMinFree);
  if (!full) return s;
  std::string message = "no space left on device: " + root;
  if (free.ok()) message += " has " + std::to_string(*free) + " bytes free";
  return absl::ResourceExhaustedError(message + " (" + std::string(s.message()) + ")");
}

}  // namespace reclaim
