// LocalStore's collector role: one transaction deletes what gc::Collect
// finds unreachable, then the blob files are unlinked on a few threads.
#include "store/local/local_store.h"

#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <utility>

#include "core/status.h"
#include "gc/gc.h"
#include "store/local/rows.h"

namespace reclaim {

using namespace local_rows;  // NOLINT: the row codec of this store

// ---------------------------------------------------------------- collection

absl::StatusOr<BatchDeleteResult> LocalStore::DeleteImagesAndCollect(
    const std::vector<std::string>& names, const DeleteAndCollectOptions& options) {
  // A prune on a full disk: the reserve makes room for the transactions.
  reserve_.ReleaseIfFull();
  absl::StatusOr<BatchDeleteResult> result = DeleteAndCollectImpl(names, options);
  if (!result.ok()) return reserve_.NoSpaceError(result.status());
  reserve_.Restore();
  return result;
}

absl::StatusOr<BatchDeleteResult> LocalStore::DeleteAndCollectImpl(
    const std::vector<std::string>& names, const DeleteAndCollectOptions& options) {
  BatchDeleteResult result;
  result.deletions.reserve(names.size());
  std::optional<MutexLock> lock(std::in_place, &mu_);
  BumpLocked(/*records=*/true);
  {
    SqliteTransaction tx(*db_);
    RECLAIM_RETURN_IF_ERROR(tx.Begin());
    RECLAIM_ASSIGN_OR_RETURN(auto st, db_->PrepareCached("DELETE FROM images WHERE name = ?1"));
    for (const std::string& name : names) {
      st.Reset();
      st.Bind(1, name);
      absl::Status s = st.Run();
      if (s.ok() && db_->Changes() == 0) s = NotFoundImage(name);
      result.deletions.push_back(ImageDeletion{name, s});
    }
    RECLAIM_RETURN_IF_ERROR(tx.Commit());
  }
  if (options.after_deletions) {
    lock.reset();  // the hook writes through this store
    options.after_deletions(result.deletions);
    lock.emplace(&mu_);
  }
  RECLAIM_ASSIGN_OR_RETURN(result.collected, CollectLocked(*lock));
  return result;
}

absl::StatusOr<CollectResult> LocalStore::Collect() {
  reserve_.ReleaseIfFull();
  absl::StatusOr<CollectResult> result;
  {
    MutexLock lock(&mu_);
    result = CollectLocked(lock);
  }
  if (!result.ok()) return reserve_.NoSpaceError(result.status());
  reserve_.Restore();
  return result;
}

absl::StatusOr<CollectResult> LocalStore::CollectLocked(MutexLock& /*lock*/) {
  BumpLocked(/*records=*/false);
  const absl::Time start = clock_->Now();
  CollectResult result;
  std::vector<Digest> leftovers;  // blob files without rows (a crash's)
  {
    // The metadata snapshot and the collection's working data are freed before
    // the files are unlinked.
    gc::GcGraph graph;
    absl::flat_hash_map<std::string, int64_t> sizes;
    {
      RECLAIM_ASSIGN_OR_RETURN(
          auto st, db_->PrepareCached("SELECT name, target_digest, labels FROM images"));
      for (;;) {
        RECLAIM_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        graph.images[st.ColumnText(0)] =
            gc::ImageRecord{st.ColumnText(1), DecodeLabels(st.ColumnView(2))};
      }
    }
    {
      RECLAIM_ASSIGN_OR_RETURN(auto st, db_->PrepareCached("SELECT id, labels FROM containers"));
      for (;;) {
        RECLAIM_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        graph.containers[st.ColumnText(0)] =
            gc::ContainerRecord{"", "", DecodeLabels(st.ColumnView(1))};
      }
    }
    {
      RECLAIM_ASSIGN_OR_RETURN(auto st, db_->PrepareCached("SELECT id, labels FROM leases"));
      for (;;) {
        RECLAIM_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        graph.leases[st.ColumnText(0)].labels = DecodeLabels(st.ColumnView(1));
      }
      RECLAIM_ASSIGN_OR_RETURN(
          auto rs,
          db_->PrepareCached("SELECT lease_id, type, id, snapshotter FROM lease_resources"));
      for (;;) {
        RECLAIM_ASSIGN_OR_RETURN(bool row, rs.Step());
        if (!row) break;
        const std::string_view lease = rs.ColumnView(0);
        auto it = graph.leases.find(absl::string_view(lease.data(), lease.size()));
        if (it == graph.leases.end()) continue;
        const auto type = static_cast<LeaseResourceType>(rs.ColumnInt64(1));
        gc::ResourceId id;
        switch (type) {
          case LeaseResourceType::kContent:
            id = gc::ResourceId::Content(rs.ColumnText(2));
            break;
          case LeaseResourceType::kIngest:
            id = gc::ResourceId::Ingest(rs.ColumnText(2));
            break;
          case LeaseResourceType::kSnapshot:
            id = gc::ResourceId::Snapshot(rs.ColumnText(3), rs.ColumnText(2));
            break;
        }
        it->second.resources.push_back(std::move(id));
      }
    }
    {
      RECLAIM_ASSIGN_OR_RETURN(auto count, db_->PrepareCached("SELECT count(*) FROM content"));
      RECLAIM_ASSIGN_OR_RETURN(bool counted, count.Step());
      if (counted) {
        const size_t n = static_cast<size_t>(std::max<int64_t>(0, count.ColumnInt64(0)));
        graph.content.reserve(n);
        sizes.reserve(n);
      }
    }
    {
      RECLAIM_ASSIGN_OR_RETURN(auto st,
                               db_->PrepareCached("SELECT digest, size, labels FROM content"));
      for (;;) {
        RECLAIM_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        std::string digest = st.ColumnText(0);
        sizes[digest] = st.ColumnInt64(1);
        graph.content[std::move(digest)] = gc::ContentRecord{DecodeLabels(st.ColumnView(2))};
      }
    }
    gc::GcResult gc_result = gc::Collect(graph, clock_->Now());
    decltype(gc_result.live)().swap(gc_result.live);

    {
      SqliteTransaction tx(*db_);
      RECLAIM_RETURN_IF_ERROR(tx.Begin());
      RECLAIM_ASSIGN_OR_RETURN(auto del,
                               db_->PrepareCached("DELETE FROM content WHERE digest = ?1"));
      result.removed_content.reserve(gc_result.removed_content.size());
      for (const std::string& d : gc_result.removed_content) {
        del.Reset();
        del.Bind(1, d);
        RECLAIM_RETURN_IF_ERROR(del.Run());
        ContentInfo info;
        RECLAIM_ASSIGN_OR_RETURN(info.digest, Digest::Parse(d));
        info.size = sizes[d];
        // The graph's labels are not read again: moved, not copied.
        info.labels = std::move(graph.content[d].labels);
        result.removed_content.push_back(std::move(info));
      }
      RECLAIM_ASSIGN_OR_RETURN(auto dl, db_->PrepareCached("DELETE FROM leases WHERE id = ?1"));
      for (const std::string& id : gc_result.removed_leases) {
        dl.Reset();
        dl.Bind(1, id);
        RECLAIM_RETURN_IF_ERROR(dl.Run());
        result.removed_leases.push_back(id);
      }
      RECLAIM_RETURN_IF_ERROR(tx.Commit());
    }
    // Files without rows: blobs of this collection, plus any left by a crash.
    absl::StatusOr<std::vector<std::string>> files = fs_->ListDir(root_ + "/blobs/sha256");
    if (files.ok()) {
      for (const std::string& f : *files) {
        absl::StatusOr<Digest> d = Digest::FromSha256Hex(f);
        if (d.ok() && !graph.content.contains(d->str())) leftovers.push_back(*std::move(d));
      }
    }
  }
  for (const ContentInfo& c : result.removed_content) pending_unlink_.insert(c.digest);
  for (const Digest& d : leftovers) pending_unlink_.insert(d);
  // Ingests that no writer owns any more (a killed process) are removed.
  absl::StatusOr<std::vector<std::string>> ingests = fs_->ListDir(IngestDir());
  if (ingests.ok()) {
    for (const std::string& id : *ingests) {
      if (!active_ingests_.contains(id)) (void)fs_->RemoveAll(IngestDir() + "/" + id);
    }
  }
#ifdef __GLIBC__
  // The collection's working set (a snapshot of all metadata) is freed: its
  // pages go back to the system before the long unlink phase.
  malloc_trim(0);
#endif
  mu_.Unlock();
  std::vector<const Digest*> unlink;
  unlink.reserve(result.removed_content.size() + leftovers.size());
  for (const ContentInfo& c : result.removed_content) unlink.push_back(&c.digest);
  for (const Digest& d : leftovers) unlink.push_back(&d);
  UnlinkUnreferenced(unlink);
  mu_.Lock();
  result.duration = clock_->Now() - start;
  return result;
}

void LocalStore::UnlinkUnreferenced(const std::vector<Digest>& digests) {
  std::vector<const Digest*> pointers;
  pointers.reserve(digests.size());
  for (const Digest& d : digests) pointers.push_back(&d);
  UnlinkUnreferenced(pointers);
}

void LocalStore::UnlinkUnreferenced(const std::vector<const Digest*>& digests) {
  const auto unlink = [this](const Digest& d) {
    {
      MutexLock lock(&mu_);
      if (pending_unlink_.erase(d) == 0) return;  // committed again meanwhile
      // A commit of `d` waits until the file is gone, so that it does not
      // rename its file into place just before we remove it.
      unlinking_.insert(d);
    }
    (void)fs_->Remove(BlobPath(d));
    MutexLock lock(&mu_);
    unlinking_.erase(d);
  };
  // Unlinks are mostly the filesystem's CPU and journal work: a few threads
  // share them when there are many.
  constexpr size_t kMinUnlinksPerThread = 64;
  const size_t threads = std::min(static_cast<size_t>(std::max(1, unlink_threads_)),
                                  digests.size() / kMinUnlinksPerThread);
  if (threads <= 1) {
    for (const Digest* d : digests) unlink(*d);
    return;
  }
  std::atomic<size_t> next{0};
  const auto work = [&] {
    for (size_t i = next.fetch_add(1); i < digests.size(); i = next.fetch_add(1)) {
      unlink(*digests[i]);
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
}


}  // namespace reclaim
