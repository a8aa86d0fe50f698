// LocalStore: opening a root (its lock, its schema) and the paths in it. The
// roles are implemented by records.cc (images, containers, leases),
// content.cc (blobs and ingests), collect.cc (the collection) and fsck.cc.
#include "store/local/local_store.h"

#include <utility>

#include "core/status.h"
#include "platform/posix_fs.h"
#include "store/local/rows.h"

namespace reclaim {

using local_rows::ToNs;

namespace {

constexpr int64_t kSchemaVersion = 1;  // kSchema's user_version
constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS images (
  name TEXT PRIMARY KEY,
  target_digest TEXT NOT NULL,
  target TEXT NOT NULL,
  labels TEXT NOT NULL,
  created_ns INTEGER NOT NULL,
  updated_ns INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS images_by_target ON images(target_digest);
CREATE TABLE IF NOT EXISTS content (
  digest TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  labels TEXT NOT NULL,
  created_ns INTEGER NOT NULL,
  updated_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS containers (
  id TEXT PRIMARY KEY,
  name TEXT UNIQUE,
  image TEXT NOT NULL,
  image_id TEXT NOT NULL,
  labels TEXT NOT NULL,
  created_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS leases (
  id TEXT PRIMARY KEY,
  labels TEXT NOT NULL,
  created_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS lease_resources (
  lease_id TEXT NOT NULL REFERENCES leases(id) ON DELETE CASCADE,
  type INTEGER NOT NULL,
  id TEXT NOT NULL,
  snapshotter TEXT NOT NULL,
  PRIMARY KEY (lease_id, type, id, snapshotter));
PRAGMA user_version = 1;
)sql";

Fs* DefaultFs() {
  static PosixFs* fs = new PosixFs();
  return fs;
}

}  // namespace

// ---------------------------------------------------------------- open

absl::StatusOr<std::unique_ptr<LocalStore>> LocalStore::Open(const LocalStoreOptions& options) {
  if (options.root.empty()) return absl::InvalidArgumentError("store root must not be empty");
  LocalStoreOptions opts = options;
  if (opts.fs == nullptr) opts.fs = DefaultFs();
  if (opts.clock == nullptr) opts.clock = &RealClock();
  while (opts.root.size() > 1 && opts.root.back() == '/') opts.root.pop_back();
  RECLAIM_RETURN_IF_ERROR(Annotate(opts.fs->CreateDirs(opts.root), "create store root"));
  RECLAIM_ASSIGN_OR_RETURN(auto lock,
                           FileLock::Acquire(opts.root + "/LOCK", opts.holder));
  // On a full filesystem the reserve goes first: SQLite needs room to open
  // its WAL, and the caller is most likely here to free space.
  const SpaceReserve reserve{opts.fs, opts.root, opts.reserve_bytes};
  reserve.ReleaseIfFull();
  RECLAIM_RETURN_IF_ERROR(reserve.NoSpaceError(opts.fs->CreateDirs(opts.root + "/blobs/sha256")));
  RECLAIM_RETURN_IF_ERROR(reserve.NoSpaceError(opts.fs->CreateDirs(opts.root + "/ingest")));
  absl::StatusOr<std::unique_ptr<SqliteDb>> db = SqliteDb::Open(opts.root + "/meta.db", opts.sync);
  if (!db.ok()) return reserve.NoSpaceError(db.status());
  std::unique_ptr<LocalStore> store(new LocalStore(std::move(opts), std::move(lock), *std::move(db)));
  RECLAIM_RETURN_IF_ERROR(reserve.NoSpaceError(store->InitSchema()));
  store->DropOrphanedOperationLeases();
  store->reserve_.Restore();
  return store;
}

LocalStore::LocalStore(LocalStoreOptions options, std::unique_ptr<FileLock> lock,
                       std::unique_ptr<SqliteDb> db)
    : root_(options.root),
      fs_(options.fs),
      clock_(options.clock),
      sync_(options.sync),
      lock_(std::move(lock)),
      db_(std::move(db)),
      unlink_threads_(options.unlink_threads),
      reserve_{options.fs, options.root, options.reserve_bytes} {}

LocalStore::~LocalStore() = default;

void LocalStore::DropOrphanedOperationLeases() {
  // Best effort: opening must not fail (on a full disk, say) for a lease that
  // only delays a collection.
  absl::StatusOr<std::vector<Lease>> leases = ListLeases();
  if (!leases.ok()) return;
  for (const Lease& l : *leases) {
    if (l.id.compare(0, kOperationLeasePrefix.size(), kOperationLeasePrefix) == 0) {
      (void)DeleteLease(l.id, /*sync=*/false);
    }
  }
}

absl::Status LocalStore::InitSchema() {
  MutexLock lock(&mu_);
  // An existing schema is not written again: opening a store then writes
  // nothing, which a full disk allows.
  RECLAIM_ASSIGN_OR_RETURN(auto version, db_->PrepareCached("PRAGMA user_version"));
  RECLAIM_ASSIGN_OR_RETURN(bool row, version.Step());
  if (row && version.ColumnInt64(0) == kSchemaVersion) return absl::OkStatus();
  return db_->Exec(kSchema);
}

std::string LocalStore::BlobPath(const Digest& digest) const {
  return root_ + "/blobs/sha256/" + std::string(digest.hex());
}

std::string LocalStore::NewIngestId() {
  MutexLock lock(&mu_);
  return std::to_string(::getpid()) + "-" + std::to_string(ToNs(clock_->Now())) + "-" +
         std::to_string(++ingest_counter_);
}


}  // namespace reclaim
