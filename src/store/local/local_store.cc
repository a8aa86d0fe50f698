#include "store/local/local_store.h"

#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "core/status.h"
#include "gc/gc.h"
#include "nlohmann/json.hpp"
#include "platform/posix_fs.h"

namespace reclaim {
namespace {

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

int64_t ToNs(absl::Time t) { return absl::ToUnixNanos(t); }
absl::Time FromNs(int64_t ns) { return absl::FromUnixNanos(ns); }

std::string EncodeLabels(const Labels& labels) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : labels) j[k] = v;
  return j.dump();
}

Labels DecodeLabels(std::string_view text) {
  Labels out;
  if (text.size() <= 2) return out;  // "{}"
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (!j.is_object()) return out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

absl::StatusOr<Descriptor> DecodeTarget(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return absl::DataLossError("metadata: corrupt image target");
  return DescriptorFromJson(j);
}

absl::Status NotFoundImage(std::string_view name) {
  return absl::NotFoundError("image \"" + std::string(name) + "\": not found");
}

absl::Status NotFoundContent(const Digest& d) {
  return absl::NotFoundError("content digest " + d.str() + ": not found");
}

Fs* DefaultFs() {
  static PosixFs* fs = new PosixFs();
  return fs;
}

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
  RECLAIM_RETURN_IF_ERROR(opts.fs->CreateDirs(opts.root + "/blobs/sha256"));
  RECLAIM_RETURN_IF_ERROR(opts.fs->CreateDirs(opts.root + "/ingest"));
  RECLAIM_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(opts.root + "/meta.db", opts.sync));
  std::unique_ptr<LocalStore> store(new LocalStore(std::move(opts), std::move(lock), std::move(db)));
  RECLAIM_RETURN_IF_ERROR(store->InitSchema());
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
      unlink_threads_(options.unlink_threads) {}

LocalStore::~LocalStore() = default;

absl::Status LocalStore::InitSchema() {
  MutexLock lock(&mu_);
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
  MutexLock lock(&mu_);
  BumpLocked(/*records=*/true);
  RECLAIM_ASSIGN_OR_RETURN(auto st, db_->PrepareCached("DELETE FROM images WHERE name = ?1"));
  st.Bind(1, name);
  RECLAIM_RETURN_IF_ERROR(st.Run());
  if (db_->Changes() == 0) return NotFoundImage(name);
  return absl::OkStatus();
}

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

// ---------------------------------------------------------------- collection

absl::StatusOr<BatchDeleteResult> LocalStore::DeleteImagesAndCollect(
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
  MutexLock lock(&mu_);
  return CollectLocked(lock);
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

// ---------------------------------------------------------------- fsck

absl::StatusOr<FsckReport> LocalStore::Fsck(bool repair) {
  FsckReport report;
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContentInfo> content, ListContent());
  std::set<std::string> rows;
  for (const ContentInfo& c : content) {
    rows.insert(std::string(c.digest.hex()));
    ++report.blobs_checked;
    const std::string path = BlobPath(c.digest);
    absl::StatusOr<std::unique_ptr<SequentialFile>> file = fs_->OpenForRead(path);
    std::string problem;
    if (!file.ok()) {
      problem = "blob " + c.digest.str() + " is recorded but its file is missing (" +
                std::string(file.status().message()) + ")";
    } else {
      Sha256 h;
      for (;;) {
        absl::StatusOr<std::string> chunk = (*file)->Read(1 << 20);
        if (!chunk.ok()) {
          problem = "blob " + c.digest.str() + ": " + std::string(chunk.status().message());
          break;
        }
        if (chunk->empty()) break;
        h.Update(*chunk);
      }
      if (problem.empty()) {
        const int64_t size = static_cast<int64_t>(h.size());
        const Digest got = h.Finish();
        if (size != c.size) {
          problem = "blob " + c.digest.str() + " has " + std::to_string(size) +
                    " bytes, recorded " + std::to_string(c.size);
        } else if (got != c.digest) {
          problem = "blob " + c.digest.str() + " is corrupt: its bytes hash to " + got.str();
        }
      }
    }
    if (!problem.empty()) {
      bool fixed = false;
      if (repair) fixed = DeleteContent(c.digest).ok();
      report.problems.push_back(FsckProblem{problem, fixed});
    }
  }
  RECLAIM_ASSIGN_OR_RETURN(std::vector<std::string> files, fs_->ListDir(root_ + "/blobs/sha256"));
  for (const std::string& f : files) {
    if (rows.contains(f)) continue;
    const std::string path = root_ + "/blobs/sha256/" + f;
    bool fixed = false;
    if (repair) fixed = fs_->Remove(path).ok();
    report.garbage.push_back(FsckProblem{"unknown file " + path + " (no content record)", fixed});
  }
  RECLAIM_ASSIGN_OR_RETURN(std::vector<std::string> ingests, fs_->ListDir(IngestDir()));
  for (const std::string& id : ingests) {
    {
      MutexLock lock(&mu_);
      if (active_ingests_.contains(id)) continue;
    }
    bool fixed = false;
    if (repair) fixed = fs_->RemoveAll(IngestDir() + "/" + id).ok();
    report.garbage.push_back(FsckProblem{"leftover ingest " + IngestDir() + "/" + id, fixed});
  }
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> images, ListImages());
  for (const ImageRecord& img : images) {
    ++report.images_checked;
    if (!Info(img.target.digest).ok()) {
      report.problems.push_back(FsckProblem{
          "image " + img.name + " targets " + img.target.digest.str() + ", which is missing",
          false});
    }
  }
  return report;
}

}  // namespace reclaim
