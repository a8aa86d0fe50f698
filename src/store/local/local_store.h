// File: store/local/local_store.h
//
// reclaim's embedded store: content files under one root plus SQLite metadata,
// collected with containerd's GC model (gc/). On disk (docs/on_disk_format.md):
//
//   <root>/blobs/sha256/<hex>   committed blobs, read-only
//   <root>/ingest/<id>/data     writes in progress; never visible before commit
//   <root>/meta.db              SQLite (WAL): images, content, containers, leases
//   <root>/LOCK                 flock: one process owns a root at a time
//   <root>/reserve              the space reserve (LocalStoreOptions::reserve_bytes)
//
// Full disk: a store is opened, and images deleted and collected, when the
// filesystem has no free byte left. Taking the LOCK writes nothing new, and
// the metadata is opened without writing. With a reserve, a file of
// `reserve_bytes` allocated while there was room (CockroachDB keeps such a
// ballast), opening the store or starting a delete on a filesystem with less
// free space than the reserve removes it first, so the metadata transaction
// and the unlinks can run; a collection that leaves twice the reserve free
// puts it back. Errors for want of space name the cause, the root and the
// free bytes: `no space left on device: /var/lib/reclaim has 0 bytes free (…)`.
//
// Commit protocol: write to ingest, fsync, verify size and digest, rename into
// blobs/, fsync the directory, then insert the content row. A collection deletes
// rows in one transaction, then unlinks files outside the transaction (on a few
// threads), checking each digest again under the store mutex; a commit of a
// digest whose old file is being unlinked waits for that unlink before renaming
// its file into place. A crash anywhere leaves at worst files without rows,
// which the next collection (or `reclaim fsck --repair`) removes.
//
// Thread-safety: safe for concurrent use; metadata access is serialised by one
// mutex, blob reads and ingest writes run outside it.
#ifndef RECLAIM_STORE_LOCAL_LOCAL_STORE_H_
#define RECLAIM_STORE_LOCAL_LOCAL_STORE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "platform/mutex.h"
#include "platform/clock.h"
#include "platform/file_lock.h"
#include "platform/fs.h"
#include "store/local/reserve.h"
#include "store/local/sqlite.h"
#include "store/store.h"

namespace reclaim {

struct LocalStoreOptions {
  std::string root;
  Fs* fs = nullptr;              // default: a process-wide PosixFs
  const Clock* clock = nullptr;  // default: RealClock()
  // Written into <root>/LOCK so a second process can say who holds the root.
  std::string holder = "reclaim";
  // false skips every fsync (blobs, directories, SQLite): for tests and benchmark
  // set-up only. A killed process still loses nothing; a machine crash may.
  bool sync = true;
  // Threads unlinking the blob files of one collection (the calling thread
  // included); <= 1 unlinks on the calling thread only.
  int unlink_threads = 4;
  // The space reserve (see the file comment); 0: none. The CLI and serve keep
  // 32 MiB (store/open).
  uint64_t reserve_bytes = 0;
};

// One problem fsck found, and whether --repair fixed it.
struct FsckProblem {
  std::string what;
  bool repaired = false;
};

struct FsckReport {
  int64_t blobs_checked = 0;
  int64_t images_checked = 0;
  // Broken invariants: a recorded blob missing or corrupt, an image whose target is gone.
  std::vector<FsckProblem> problems;
  // Leftovers of an interrupted write or collection (files without records, old
  // ingests): harmless, and removed by the next collection or by --repair.
  std::vector<FsckProblem> garbage;
  bool clean() const { return problems.empty(); }
};

// LocalStore provides every role itself, except snapshots (it unpacks none).
class LocalStore final : public Store,
                         public ImageStore,
                         public ContentStore,
                         public ContainerStore,
                         public LeaseStore,
                         public Collector {
 public:
  // Creates the root if needed and takes its lock. FailedPrecondition naming the
  // holder when another process owns the root. Operation leases
  // (kOperationLeasePrefix) left by a previous owner are dropped: holding the
  // lock proves that owner is gone.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LocalStore>> Open(
      const LocalStoreOptions& options);
  ~LocalStore() override;

  std::string Describe() const override { return "local " + root_; }
  const std::string& root() const { return root_; }

  ImageStore& images() override { return *this; }
  ContentStore& content() override { return *this; }
  ContainerStore& containers() override { return *this; }
  LeaseStore& leases() override { return *this; }
  SnapshotStore& snapshots() override { return no_snapshots_; }
  Collector& collector() override { return *this; }

  absl::StatusOr<std::vector<ImageRecord>> ListImages() override;
  absl::StatusOr<ImageRecord> GetImage(std::string_view name) override;
  absl::StatusOr<ImageRecord> CreateImage(const ImageRecord& image) override;
  absl::StatusOr<ImageRecord> UpdateImage(const ImageRecord& image) override;
  absl::Status DeleteImage(std::string_view name) override;
  // Bumped under the store mutex by every write of an image or container record.
  absl::StatusOr<uint64_t> RecordsGeneration() override;
  // Bumped under the store mutex by every metadata write: image and container
  // records, content commits, deletions and label updates, leases and their
  // resources, collections. Only one process owns a root (<root>/LOCK), so
  // every write of the root goes through this object.
  absl::StatusOr<uint64_t> StateGeneration() override;

  absl::StatusOr<ContentInfo> Info(const Digest& digest) override;
  absl::StatusOr<std::vector<ContentInfo>> ListContent() override;
  absl::StatusOr<std::string> ReadBlob(const Digest& digest, int64_t max_size) override;
  absl::StatusOr<std::unique_ptr<BlobReader>> OpenBlob(const Digest& digest) override;
  absl::StatusOr<ContentInfo> UpdateContentLabels(const Digest& digest,
                                                  const Labels& changes) override;
  absl::Status DeleteContent(const Digest& digest) override;
  absl::StatusOr<std::unique_ptr<ContentWriter>> Writer(const WriterOptions& options) override;

  absl::StatusOr<ContainerRecord> CreateContainer(const ContainerRecord& container) override;
  absl::StatusOr<std::vector<ContainerRecord>> ListContainers() override;
  absl::StatusOr<ContainerRecord> GetContainer(std::string_view id) override;
  absl::Status DeleteContainer(std::string_view id) override;

  absl::StatusOr<Lease> CreateLease(std::string_view id, const Labels& labels) override;
  absl::StatusOr<std::vector<Lease>> ListLeases() override;
  absl::Status AddLeaseResource(std::string_view lease_id, const LeaseResource& resource) override;
  absl::Status DeleteLease(std::string_view id, bool sync) override;

  // The deletions in one transaction; `options.after_deletions` runs without
  // the store's lock held, then the collection.
  absl::StatusOr<BatchDeleteResult> DeleteImagesAndCollect(
      const std::vector<std::string>& names, const DeleteAndCollectOptions& options) override;
  absl::StatusOr<CollectResult> Collect() override;

  // Checks every invariant of the on-disk format; with `repair`, fixes what it can
  // (removes unknown files and leftover ingests, drops rows whose blob is missing
  // or corrupt). Image records whose target is missing are reported, never removed.
  [[nodiscard]] absl::StatusOr<FsckReport> Fsck(bool repair);

  // Paths, for tests and fsck messages.
  std::string BlobPath(const Digest& digest) const;
  std::string IngestDir() const { return root_ + "/ingest"; }

 private:
  class IngestWriter;
  friend class IngestWriter;

  LocalStore(LocalStoreOptions options, std::unique_ptr<FileLock> lock,
             std::unique_ptr<SqliteDb> db);

  void DropOrphanedOperationLeases();
  absl::Status InitSchema();

  absl::StatusOr<ImageRecord> GetImageLocked(std::string_view name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<ContentInfo> InfoLocked(const Digest& digest) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The recorded size of a blob (NotFound without a content row).
  absl::StatusOr<int64_t> BlobSize(const Digest& digest) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status AddLeaseResourceLocked(std::string_view lease_id, const LeaseResource& resource)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Called by IngestWriter::Commit once the ingest is verified.
  absl::Status CommitIngest(const std::string& ingest_path, const Digest& digest, int64_t size,
                            const Labels& labels, const std::string& lease_id);
  absl::StatusOr<CollectResult> CollectLocked(MutexLock& lock)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // DeleteImagesAndCollect without the reserve's handling (it takes mu_).
  absl::StatusOr<BatchDeleteResult> DeleteAndCollectImpl(
      const std::vector<std::string>& names, const DeleteAndCollectOptions& options)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Unlinks blob files whose rows are gone. Each digest is in pending_unlink_
  // until its unlink starts; a commit of the same digest before that takes it
  // out of the set, and the file stays. While its file is being unlinked (out of
  // the mutex) a digest is in unlinking_, and a commit of it waits.
  void UnlinkUnreferenced(const std::vector<Digest>& digests) ABSL_LOCKS_EXCLUDED(mu_);
  void UnlinkUnreferenced(const std::vector<const Digest*>& digests) ABSL_LOCKS_EXCLUDED(mu_);
  std::string NewIngestId();
  // Marks a metadata write: bumps state_generation_ (and records_generation_
  // when `records`).
  void BumpLocked(bool records) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ++state_generation_;
    if (records) ++records_generation_;
  }

  const std::string root_;
  Fs* const fs_;
  const Clock* const clock_;
  const bool sync_;
  const std::unique_ptr<FileLock> lock_;

  mutable Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
  // Ingest directories being written now, with the lease each is under.
  absl::flat_hash_map<std::string, std::string> active_ingests_ ABSL_GUARDED_BY(mu_);
  uint64_t ingest_counter_ ABSL_GUARDED_BY(mu_) = 0;
  // RecordsGeneration(): bumped by every image or container record write.
  uint64_t records_generation_ ABSL_GUARDED_BY(mu_) = 0;
  // StateGeneration(): bumped by every metadata write (BumpLocked).
  uint64_t state_generation_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_set<Digest> pending_unlink_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<Digest> unlinking_ ABSL_GUARDED_BY(mu_);
  const int unlink_threads_;
  const SpaceReserve reserve_;
  NoSnapshots no_snapshots_;
};

}  // namespace reclaim

#endif  // RECLAIM_STORE_LOCAL_LOCAL_STORE_H_
