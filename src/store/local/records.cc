// LocalStore's record roles: image records, container records and leases
// (local_store.h), rows of meta.db.
#include "store/local/local_store.h"

#include <utility>

#include "core/status.h"
#include "nlohmann/json.hpp"
#include "store/local/rows.h"

namespace reclaim {

using namespace local_rows;  // NOLINT: the row codec of this store

// ---------------------------------------------------------------- images

namespace {

constexpr char kImageColumns[] = "name, target, labels, created_ns, updated_ns";

// Decoded image targets by their stored JSON text. Many records share a
// target (tags of one image), so a listing decodes each distinct text once.
using TargetCache = absl::flat_hash_map<std::string, Descriptor>;

absl::StatusOr<ImageRecord> ImageFromRow(const SqliteStatement& st, TargetCache* targets) {
  ImageRecord r;
  r.name = st.ColumnText(0);
  const std::string_view target = st.ColumnView(1);
  if (targets == nullptr) {
    RECLAIM_ASSIGN_OR_RETURN(r.target, DecodeTarget(target));
  } else if (auto it = targets->find(absl::string_view(target.data(), target.size()));
             it != targets->end()) {
    r.target = it->second;
  } else {
    RECLAIM_ASSIGN_OR_RETURN(r.target, DecodeTarget(target));
    targets->emplace(std::string(target), r.target);
  }
  r.labels = DecodeLabels(st.ColumnView(2));
  r.created_at = FromNs(st.ColumnInt64(3));
  r.updated_at = FromNs(st.ColumnInt64(4));
  return r;
}

}  // namespace

absl::StatusOr<std::vector<ImageRecord>> LocalStore::ListImages() {
  MutexLock lock(&mu_);
  std::vector<ImageRecord> out;
  {
    RECLAIM_ASSIGN_OR_RETURN(auto count, db_->PrepareCached("SELECT count(*) FROM images"));
    RECLAIM_ASSIGN_OR_RETURN(bool counted, count.Step());
    if (counted) out.reserve(static_cast<size_t>(std::max<int64_t>(0, count.ColumnInt64(0))));
  }
  RECLAIM_ASSIGN_OR_RETURN(auto st, db_->PrepareCached(std::string("SELECT ") + kImageColumns +
                                                       " FROM images ORDER BY name"));
  TargetCache targets;
  for (;;) {
    RECLAIM_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    RECLAIM_ASSIGN_OR_RETURN(ImageRecord r, ImageFromRow(st, &targets));
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<uint64_t> LocalStore::RecordsGeneration() {
  MutexLock lock(&mu_);
  return records_generation_;
}

absl::StatusOr<uint64_t> LocalStore::StateGeneration() {
  MutexLock lock(&mu_);
  return state_generation_;
}

absl::StatusOr<ImageRecord> LocalStore::GetImageLocked(std::string_view name) {
  RECLAIM_ASSIGN_OR_RETURN(auto st, db_->PrepareCached(std::string("SELECT ") + kImageColumns +
                                                       " FROM images WHERE name = ?1"));
  st.Bind(1, name);
  RECLAIM_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFoundImage(name);
  return ImageFromRow(st, nullptr);
}

absl::StatusOr<ImageRecord> LocalStore::GetImage(std::string_view name) {
  MutexLock lock(&mu_);
  return GetImageLocked(name);
}

absl::StatusOr<ImageRecord> LocalStore::CreateImage(const ImageRecord& image) {
  if (image.name.empty()) return absl::InvalidArgumentError("image name must not be empty");
  if (!image.target.digest.valid()) {
    return absl::InvalidArgumentError("image " + image.name + ": target digest must be set");
  }
  ImageRecord r = image;
  r.created_at = r.updated_at = clock_->Now();
  MutexLock lock(&mu_);
  BumpLocked(/*records=*/true);
  RECLAIM_ASSIGN_OR_RETURN(auto st,
                           db_->PrepareCached("INSERT INTO images (name, target_digest, target, "
                                              "labels, created_ns, updated_ns) VALUES "
                                              "(?1, ?2, ?3, ?4, ?5, ?6)"));
  st.Bind(1, r.name)
      .Bind(2, r.target.digest.str())
      .Bind(3, DescriptorToJson(r.target).dump())
      .Bind(4, EncodeLabels(r.labels))
      .Bind(5, ToNs(r.created_at))
      .Bind(6, ToNs(r.updated_at));
  absl::Status s = st.Run();
  if (absl::IsAlreadyExists(s)) {
    return absl::AlreadyExistsError("image \"" + r.name + "\": already exists");
  }
  RECLAIM_RETURN_IF_ERROR(s);
  return r;
}

absl::StatusOr<ImageRecord> LocalStore::UpdateImage(const ImageRecord& image) {
  if (!image.target.digest.valid()) {
    return absl::InvalidArgumentError("image " + image.name + ": target digest must be set");
  }
  MutexLock lock(&mu_);
  BumpLocked(/*records=*/true);
  RECLAIM_ASSIGN_OR_RETURN(ImageRecord r, GetImageLocked(image.name));
  r.target = image.target;
  r.labels = image.labels;
  r.updated_at = clock_->Now();
  RECLAIM_ASSIGN_OR_RETURN(auto st,
                           db_->PrepareCached("UPDATE images SET target_digest = ?2, target = "
                                              "?3, labels = ?4, updated_ns = ?5 WHERE name = ?1"));
  st.Bind(1, r.name)
      .Bind(2, r.target.digest.str())
      .Bind(3, DescriptorToJson(r.target).dump())
      .Bind(4, EncodeLabels(r.labels))
      .Bind(5, ToNs(r.updated_at));
  RECLAIM_RETURN_IF_ERROR(st.Run());
  return r;
}

absl::Status LocalStore::DeleteImage(std::string_view name) {
  reserve_.ReleaseIfFull();  // an untag on a full disk
  MutexLock lock(&mu_);
  BumpLocked(/*records=*/true);
  RECLAIM_ASSIGN_OR_RETURN(auto st, db_->PrepareCached("DELETE FROM images WHERE name = ?1"));
  st.Bind(1, name);
  RECLAIM_RETURN_IF_ERROR(reserve_.NoSpaceError(st.Run()));
  if (db_->Changes() == 0) return NotFoundImage(name);
  return absl::OkStatus();
}


// ---------------------------------------------------------------- containers

namespace {

absl::StatusOr<ContainerRecord> ContainerFromRow(const SqliteStatement& st) {
  ContainerRecord c;
  c.id = st.ColumnText(0);
  c.name = st.ColumnText(1);
  c.image = st.ColumnText(2);
  const std::string image_id = st.ColumnText(3);
  if (!image_id.empty()) {
    RECLAIM_ASSIGN_OR_RETURN(c.image_id, Digest::Parse(image_id));
  }
  c.labels = DecodeLabels(st.ColumnText(4));
  c.created_at = FromNs(st.ColumnInt64(5));
  return c;
}

constexpr char kContainerColumns[] = "id, ifnull(name, ''), image, image_id, labels, created_ns";

}  // namespace

absl::StatusOr<ContainerRecord> LocalStore::CreateContainer(const ContainerRecord& container) {
  if (container.id.empty()) return absl::InvalidArgumentError("container id must not be empty");
  ContainerRecord c = container;
  c.created_at = clock_->Now();
  MutexLock lock(&mu_);
  BumpLocked(/*records=*/true);
  RECLAIM_ASSIGN_OR_RETURN(auto st,
                           db_->PrepareCached("INSERT INTO containers (id, name, image, "
                                              "image_id, labels, created_ns) VALUES (?1, ?2, "
                                              "?3, ?4, ?5, ?6)"));
  st.Bind(1, c.id);
  if (c.name.empty()) {
    st.BindNull(2);
  } else {
    st.Bind(2, c.name);
  }
  st.Bind(3, c.image).Bind(4, c.image_id.str()).Bind(5, EncodeLabels(c.labels));
  st.Bind(6, ToNs(c.created_at));
  absl::Status s = st.Run();
  if (absl::IsAlreadyExists(s)) {
    return absl::AlreadyExistsError("container " + c.id + " (name \"" + c.name +
                                    "\"): already exists");
  }
  RECLAIM_RETURN_IF_ERROR(s);
  return c;
}

absl::StatusOr<std::vector<ContainerRecord>> LocalStore::ListContainers() {
  MutexLock lock(&mu_);
  RECLAIM_ASSIGN_OR_RETURN(auto st, db_->PrepareCached(std::string("SELECT ") + kContainerColumns +
                                                       " FROM containers ORDER BY created_ns, id"));
  std::vector<ContainerRecord> out;
  for (;;) {
    RECLAIM_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    RECLAIM_ASSIGN_OR_RETURN(ContainerRecord c, ContainerFromRow(st));
    out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<ContainerRecord> LocalStore::GetContainer(std::string_view id) {
  MutexLock lock(&mu_);
  RECLAIM_ASSIGN_OR_RETURN(auto st, db_->PrepareCached(std::string("SELECT ") + kContainerColumns +
                                                       " FROM containers WHERE id = ?1"));
  st.Bind(1, id);
  RECLAIM_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return absl::NotFoundError("container \"" + std::string(id) + "\": not found");
  return ContainerFromRow(st);
}

absl::Status LocalStore::DeleteContainer(std::string_view id) {
  MutexLock lock(&mu_);
  BumpLocked(/*records=*/true);
  RECLAIM_ASSIGN_OR_RETURN(auto st, db_->PrepareCached("DELETE FROM containers WHERE id = ?1"));
  st.Bind(1, id);
  RECLAIM_RETURN_IF_ERROR(st.Run());
  if (db_->Changes() == 0) {
    return absl::NotFoundError("container \"" + std::string(id) + "\": not found");
  }
  return absl::OkStatus();
}


// ---------------------------------------------------------------- leases

absl::StatusOr<Lease> LocalStore::CreateLease(std::string_view id, const Labels& labels) {
  if (id.empty()) return absl::InvalidArgumentError("lease id must not be empty");
  Lease l;
  l.id = std::string(id);
  l.labels = labels;
  l.created_at = clock_->Now();
  MutexLock lock(&mu_);
  BumpLocked(/*records=*/false);
  RECLAIM_ASSIGN_OR_RETURN(auto st,
                           db_->PrepareCached("INSERT INTO leases (id, labels, created_ns) "
                                              "VALUES (?1, ?2, ?3)"));
  st.Bind(1, l.id).Bind(2, EncodeLabels(l.labels)).Bind(3, ToNs(l.created_at));
  absl::Status s = st.Run();
  if (absl::IsAlreadyExists(s)) {
    return absl::AlreadyExistsError("lease \"" + l.id + "\": already exists");
  }
  RECLAIM_RETURN_IF_ERROR(s);
  return l;
}

absl::StatusOr<std::vector<Lease>> LocalStore::ListLeases() {
  MutexLock lock(&mu_);
  RECLAIM_ASSIGN_OR_RETURN(
      auto st, db_->PrepareCached("SELECT id, labels, created_ns FROM leases ORDER BY id"));
  std::vector<Lease> out;
  absl::flat_hash_map<std::string, size_t> index;
  for (;;) {
    RECLAIM_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    Lease l;
    l.id = st.ColumnText(0);
    l.labels = DecodeLabels(st.ColumnText(1));
    l.created_at = FromNs(st.ColumnInt64(2));
    index[l.id] = out.size();
    out.push_back(std::move(l));
  }
  RECLAIM_ASSIGN_OR_RETURN(auto rs,
                           db_->PrepareCached("SELECT lease_id, type, id, snapshotter FROM "
                                              "lease_resources ORDER BY lease_id, type, id"));
  for (;;) {
    RECLAIM_ASSIGN_OR_RETURN(bool row, rs.Step());
    if (!row) break;
    auto it = index.find(rs.ColumnText(0));
    if (it == index.end()) continue;
    out[it->second].resources.push_back(
        LeaseResource{static_cast<LeaseResourceType>(rs.ColumnInt64(1)), rs.ColumnText(2),
                      rs.ColumnText(3)});
  }
  return out;
}

absl::Status LocalStore::AddLeaseResourceLocked(std::string_view lease_id,
                                                const LeaseResource& resource) {
  RECLAIM_ASSIGN_OR_RETURN(auto check, db_->PrepareCached("SELECT 1 FROM leases WHERE id = ?1"));
  check.Bind(1, lease_id);
  RECLAIM_ASSIGN_OR_RETURN(bool row, check.Step());
  if (!row) return absl::NotFoundError("lease does not exist: not found");
  RECLAIM_ASSIGN_OR_RETURN(auto st, db_->PrepareCached("INSERT OR IGNORE INTO lease_resources "
                                                       "(lease_id, type, id, snapshotter) VALUES "
                                                       "(?1, ?2, ?3, ?4)"));
  st.Bind(1, lease_id)
      .Bind(2, static_cast<int64_t>(resource.type))
      .Bind(3, resource.id)
      .Bind(4, resource.snapshotter);
  return st.Run();
}

absl::Status LocalStore::AddLeaseResource(std::string_view lease_id,
                                          const LeaseResource& resource) {
  MutexLock lock(&mu_);
  BumpLocked(/*records=*/false);
  return AddLeaseResourceLocked(lease_id, resource);
}

absl::Status LocalStore::DeleteLease(std::string_view id, bool sync) {
  {
    MutexLock lock(&mu_);
    BumpLocked(/*records=*/false);
    RECLAIM_ASSIGN_OR_RETURN(auto st, db_->PrepareCached("DELETE FROM leases WHERE id = ?1"));
    st.Bind(1, id);
    RECLAIM_RETURN_IF_ERROR(st.Run());
    if (db_->Changes() == 0) return absl::NotFoundError("lease does not exist: not found");
  }
  if (sync) return Collect().status();
  return absl::OkStatus();
}


}  // namespace reclaim
