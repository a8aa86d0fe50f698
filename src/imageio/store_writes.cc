#include "imageio/store_writes.h"

#include <memory>

#include "core/digest.h"
#include "core/status.h"

namespace reclaim {

absl::StatusOr<bool> CommitUnderLease(Store& store, ScopedLease& lease, ContentWriter& w,
                                      const Descriptor& d, const Labels& labels) {
  absl::Status s = w.Commit(d.size, d.digest, labels);
  if (absl::IsAlreadyExists(s)) {
    RECLAIM_RETURN_IF_ERROR(lease.Protect(d.digest));
    if (!labels.empty())
      RECLAIM_RETURN_IF_ERROR(store.content().UpdateContentLabels(d.digest, labels).status());
    return false;
  }
  RECLAIM_RETURN_IF_ERROR(s);
  return true;
}

absl::StatusOr<LeasedBlob> WriteBlobUnderLease(Store& store, ScopedLease& lease,
                                               const std::string& bytes,
                                               std::string_view media_type,
                                               std::string_view ref_infix, const Labels& labels) {
  LeasedBlob b;
  Descriptor& d = b.descriptor;
  d.media_type = std::string(media_type);
  d.digest = Digest::Sha256Of(bytes);
  d.size = static_cast<int64_t>(bytes.size());
  WriterOptions wo;
  wo.ref = lease.id() + std::string(ref_infix) + std::string(d.digest.hex());
  wo.lease_id = lease.id();
  wo.expected_size = d.size;
  wo.expected = d.digest;
  RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<ContentWriter> w, store.content().Writer(wo));
  RECLAIM_RETURN_IF_ERROR(w->Write(bytes));
  RECLAIM_ASSIGN_OR_RETURN(b.written, CommitUnderLease(store, lease, *w, d, labels));
  return b;
}

absl::StatusOr<ImageUpsert> CreateOrUpdateImage(Store& store, const std::string& name,
                                                const Descriptor& target) {
  ImageUpsert u;
  absl::StatusOr<ImageRecord> existing = store.images().GetImage(name);
  if (!existing.ok() && !absl::IsNotFound(existing.status())) return existing.status();
  if (!existing.ok()) {
    ImageRecord rec;
    rec.name = name;
    rec.target = target;
    absl::StatusOr<ImageRecord> created = store.images().CreateImage(rec);
    if (created.ok()) {
      u.created = true;
      return u;
    }
    if (!absl::IsAlreadyExists(created.status())) return created.status();
    existing = store.images().GetImage(name);  // lost a race: update instead
    if (!existing.ok()) return existing.status();
  }
  if (existing->target.digest != target.digest) u.previous_target = existing->target;
  ImageRecord rec = *existing;
  rec.target = target;
  RECLAIM_RETURN_IF_ERROR(store.images().UpdateImage(rec).status());
  return u;
}

}  // namespace reclaim
