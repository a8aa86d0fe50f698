// LocalStore's content role: blobs under blobs/sha256/, written through
// ingests that become visible only at a verified commit (local_store.h).
#include "store/local/local_store.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "core/status.h"
#include "store/local/rows.h"

namespace reclaim {

using namespace local_rows;  // NOLINT: the row codec of this store

namespace {

class FileBlobReader final : public BlobReader {
 public:
  FileBlobReader(std::unique_ptr<SequentialFile> file, int64_t size)
      : file_(std::move(file)), size_(size) {}
  absl::StatusOr<std::string> Read(size_t n) override { return file_->Read(n); }
  int64_t size() const override { return size_; }

 private:
  std::unique_ptr<SequentialFile> file_;
  int64_t size_;
};

}  // namespace

// ---------------------------------------------------------------- Writer

class LocalStore::IngestWriter final : public ContentWriter {
 public:
  IngestWriter(LocalStore* store, std::string id, std::string dir, std::unique_ptr<WritableFile> file,
         WriterOptions options)
      : store_(store),
        id_(std::move(id)),
        dir_(std::move(dir)),
        file_(std::move(file)),
        options_(std::move(options)) {}
  ~IngestWriter() override { Abort(); }

  absl::Status Write(std::string_view bytes) override {
    if (done_) return absl::FailedPreconditionError("write after commit or abort");
    if (options_.expected_size >= 0 &&
        offset_ + static_cast<int64_t>(bytes.size()) > options_.expected_size) {
      return absl::FailedPreconditionError(
          "write beyond expected size " + std::to_string(options_.expected_size) + " of " +
          (options_.expected.valid() ? options_.expected.str() : options_.ref));
    }
    RECLAIM_RETURN_IF_ERROR(file_->Append(bytes));
    hash_.Update(bytes);
    offset_ += static_cast<int64_t>(bytes.size());
    return absl::OkStatus();
  }

  int64_t offset() const override { return offset_; }

  absl::Status Commit(int64_t expected_size, const Digest& expected,
                      const Labels& labels) override {
    if (done_) return absl::FailedPreconditionError("commit after commit or abort");
    absl::Status s = store_->sync_ ? file_->Sync() : absl::OkStatus();
    if (s.ok()) s = file_->Close();
    if (!s.ok()) {
      Abort();
      return s;
    }
    const Digest got = hash_.Finish();
    if (absl::Status bad = CheckCommit(expected_size, offset_, expected, got); !bad.ok()) {
      Abort();
      return bad;
    }
    s = store_->CommitIngest(dir_ + "/data", got, offset_, labels, options_.lease_id);
    Abort();  // removes the ingest directory (the data file is gone if renamed)
    return s;
  }

  void Abort() override {
    if (done_) return;
    done_ = true;
    (void)file_->Close();
    (void)store_->fs_->RemoveAll(dir_);
    MutexLock lock(&store_->mu_);
    store_->active_ingests_.erase(id_);
  }

 private:
  LocalStore* const store_;
  const std::string id_;
  const std::string dir_;
  std::unique_ptr<WritableFile> file_;
  const WriterOptions options_;
  Sha256 hash_;
  int64_t offset_ = 0;
  bool done_ = false;
};


// ---------------------------------------------------------------- content

namespace {

absl::StatusOr<ContentInfo> ContentFromRow(const SqliteStatement& st) {
  ContentInfo c;
  RECLAIM_ASSIGN_OR_RETURN(c.digest, Digest::Parse(st.ColumnView(0)));
  c.size = st.ColumnInt64(1);
  c.labels = DecodeLabels(st.ColumnView(2));
  c.created_at = FromNs(st.ColumnInt64(3));
  c.updated_at = FromNs(st.ColumnInt64(4));
  return c;
}

}  // namespace

absl::StatusOr<ContentInfo> LocalStore::InfoLocked(const Digest& digest) {
  RECLAIM_ASSIGN_OR_RETURN(auto st,
                           db_->PrepareCached("SELECT digest, size, labels, created_ns, "
                                              "updated_ns FROM content WHERE digest = ?1"));
  st.Bind(1, digest.str());
  RECLAIM_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFoundContent(digest);
  return ContentFromRow(st);
}

absl::StatusOr<ContentInfo> LocalStore::Info(const Digest& digest) {
  MutexLock lock(&mu_);
  return InfoLocked(digest);
}

absl::StatusOr<int64_t> LocalStore::BlobSize(const Digest& digest) {
  MutexLock lock(&mu_);
  RECLAIM_ASSIGN_OR_RETURN(auto st,
                           db_->PrepareCached("SELECT size FROM content WHERE digest = ?1"));
  st.Bind(1, digest.str());
  RECLAIM_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFoundContent(digest);
  return st.ColumnInt64(0);
}

absl::StatusOr<std::vector<ContentInfo>> LocalStore::ListContent() {
  MutexLock lock(&mu_);
  RECLAIM_ASSIGN_OR_RETURN(auto st, db_->PrepareCached("SELECT digest, size, labels, created_ns, "
                                                       "updated_ns FROM content ORDER BY digest"));
  std::vector<ContentInfo> out;
  for (;;) {
    RECLAIM_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    RECLAIM_ASSIGN_OR_RETURN(ContentInfo c, ContentFromRow(st));
    out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<std::string> LocalStore::ReadBlob(const Digest& digest, int64_t max_size) {
  // Only the size is read under the mutex (one cached statement, no labels
  // decoded), so concurrent readers mostly wait on the files, not on each other.
  RECLAIM_ASSIGN_OR_RETURN(const int64_t size, BlobSize(digest));
  if (size > max_size) {
    return absl::ResourceExhaustedError("blob " + digest.str() + " is " + std::to_string(size) +
                                        " bytes, more than the " + std::to_string(max_size) +
                                        " allowed here");
  }
  absl::StatusOr<std::string> bytes = fs_->ReadFile(BlobPath(digest));
  if (absl::IsNotFound(bytes.status())) return NotFoundContent(digest);
  return bytes;
}

absl::StatusOr<std::unique_ptr<BlobReader>> LocalStore::OpenBlob(const Digest& digest) {
  RECLAIM_ASSIGN_OR_RETURN(const int64_t size, BlobSize(digest));
  absl::StatusOr<std::unique_ptr<SequentialFile>> file = fs_->OpenForRead(BlobPath(digest));
  if (absl::IsNotFound(file.status())) return NotFoundContent(digest);
  RECLAIM_RETURN_IF_ERROR(file.status());
  return std::unique_ptr<BlobReader>(new FileBlobReader(std::move(*file), size));
}

absl::StatusOr<ContentInfo> LocalStore::UpdateContentLabels(const Digest& digest,
                                                            const Labels& changes) {
  MutexLock lock(&mu_);
  BumpLocked(/*records=*/false);
  RECLAIM_ASSIGN_OR_RETURN(ContentInfo info, InfoLocked(digest));
  for (const auto& [k, v] : changes) {
    if (v.empty()) {
      info.labels.erase(k);
    } else {
      info.labels[k] = v;
    }
  }
  info.updated_at = clock_->Now();
  RECLAIM_ASSIGN_OR_RETURN(
      auto st,
      db_->PrepareCached("UPDATE content SET labels = ?2, updated_ns = ?3 WHERE digest = ?1"));
  st.Bind(1, digest.str()).Bind(2, EncodeLabels(info.labels)).Bind(3, ToNs(info.updated_at));
  RECLAIM_RETURN_IF_ERROR(st.Run());
  return info;
}

absl::Status LocalStore::DeleteContent(const Digest& digest) {
  {
    MutexLock lock(&mu_);
    BumpLocked(/*records=*/false);
    RECLAIM_ASSIGN_OR_RETURN(auto st, db_->PrepareCached("DELETE FROM content WHERE digest = ?1"));
    st.Bind(1, digest.str());
    RECLAIM_RETURN_IF_ERROR(st.Run());
    if (db_->Changes() == 0) return NotFoundContent(digest);
    pending_unlink_.insert(digest);
  }
  UnlinkUnreferenced({digest});
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ContentWriter>> LocalStore::Writer(const WriterOptions& options) {
  if (!options.lease_id.empty()) {
    MutexLock lock(&mu_);
    RECLAIM_ASSIGN_OR_RETURN(auto st, db_->PrepareCached("SELECT 1 FROM leases WHERE id = ?1"));
    st.Bind(1, options.lease_id);
    RECLAIM_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return absl::NotFoundError("lease does not exist: not found");
  }
  const std::string id = NewIngestId();
  const std::string dir = IngestDir() + "/" + id;
  {
    // Registered before the directory exists, so a collection running now
    // never takes it for a dead writer's leftover.
    MutexLock lock(&mu_);
    active_ingests_[id] = options.lease_id;
  }
  absl::Status made = fs_->CreateDirs(dir);
  absl::StatusOr<std::unique_ptr<WritableFile>> file =
      made.ok() ? fs_->OpenForWrite(dir + "/data") : absl::StatusOr<std::unique_ptr<WritableFile>>(made);
  if (!file.ok()) {
    (void)fs_->RemoveAll(dir);
    MutexLock lock(&mu_);
    active_ingests_.erase(id);
    return file.status();
  }
  return std::unique_ptr<ContentWriter>(
      new LocalStore::IngestWriter(this, id, dir, std::move(*file), options));
}

absl::Status LocalStore::CommitIngest(const std::string& ingest_path, const Digest& digest,
                                      int64_t size, const Labels& labels,
                                      const std::string& lease_id) {
  MutexLock lock(&mu_);
  // An old file of this digest being unlinked now goes first (rare: a commit
  // racing the collection that removed the same blob).
  while (unlinking_.contains(digest)) {
    mu_.Unlock();
    std::this_thread::sleep_for(std::chrono::microseconds(100));
    mu_.Lock();
  }
  BumpLocked(/*records=*/false);
  SqliteTransaction tx(*db_);
  RECLAIM_RETURN_IF_ERROR(tx.Begin());
  absl::StatusOr<ContentInfo> existing = InfoLocked(digest);
  const bool exists = existing.ok();
  if (!exists && !absl::IsNotFound(existing.status())) return existing.status();
  const int64_t now = ToNs(clock_->Now());
  if (exists) {
    if (!labels.empty()) {
      Labels merged = existing->labels;
      for (const auto& [k, v] : labels) merged[k] = v;
      RECLAIM_ASSIGN_OR_RETURN(auto st,
                               db_->PrepareCached("UPDATE content SET labels = ?2, updated_ns "
                                                  "= ?3 WHERE digest = ?1"));
      st.Bind(1, digest.str()).Bind(2, EncodeLabels(merged)).Bind(3, now);
      RECLAIM_RETURN_IF_ERROR(st.Run());
    }
  } else {
    const std::string blob = BlobPath(digest);
    RECLAIM_RETURN_IF_ERROR(fs_->Rename(ingest_path, blob));
    if (sync_) RECLAIM_RETURN_IF_ERROR(fs_->SyncDir(DirName(blob)));
    pending_unlink_.erase(digest);
    RECLAIM_ASSIGN_OR_RETURN(auto st,
                             db_->PrepareCached("INSERT INTO content (digest, size, labels, "
                                                "created_ns, updated_ns) VALUES (?1, ?2, ?3, "
                                                "?4, ?4)"));
    st.Bind(1, digest.str()).Bind(2, size).Bind(3, EncodeLabels(labels)).Bind(4, now);
    RECLAIM_RETURN_IF_ERROR(st.Run());
  }
  if (!lease_id.empty()) {
    RECLAIM_RETURN_IF_ERROR(AddLeaseResourceLocked(
        lease_id, LeaseResource{LeaseResourceType::kContent, digest.str(), ""}));
  }
  RECLAIM_RETURN_IF_ERROR(tx.Commit());
  if (exists) {
    return absl::AlreadyExistsError("content " + digest.str() + ": already exists");
  }
  return absl::OkStatus();
}


}  // namespace reclaim
