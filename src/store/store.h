// File: store/store.h
//
// The Store interface: everything reclaim needs from an image store, whether the
// embedded one (store/local) or a real containerd (store/containerd). Nothing above
// store/ knows which one it talks to; both pass the conformance suite in
// store/conformance.h.
//
// The model is containerd's (design.md "Vocabulary"): image records name a target
// descriptor; content is blobs by digest with string labels; containers are
// records; leases protect what an operation is still writing; a collection (GC)
// removes what no root reaches. `DeleteImagesAndCollect` is the one call a prune
// makes: delete every named record, then collect once.
//
// Thread-safety: implementations are safe for concurrent use by many threads.
// A ContentWriter belongs to one thread at a time.
#ifndef RECLAIM_STORE_STORE_H_
#define RECLAIM_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/descriptor.h"
#include "core/digest.h"

namespace reclaim {

using Labels = std::map<std::string, std::string>;

// Label keys shared by every store (containerd's names).
inline constexpr std::string_view kGcRootLabel = "containerd.io/gc.root";
inline constexpr std::string_view kGcRefContentPrefix = "containerd.io/gc.ref.content.";
inline constexpr std::string_view kGcRefSnapshotPrefix = "containerd.io/gc.ref.snapshot.";
inline constexpr std::string_view kGcExpireLabel = "containerd.io/gc.expire";
inline constexpr std::string_view kGcFlatLabel = "containerd.io/gc.flat";
// Name prefix of a nameless record kept because content is still wanted.
inline constexpr std::string_view kDanglingPrefix = "moby-dangling@";

struct ImageRecord {
  std::string name;  // canonical ("docker.io/library/alpine:3") or "moby-dangling@sha256:…"
  Descriptor target;
  Labels labels;
  absl::Time created_at = absl::InfinitePast();  // set by the store on create
  absl::Time updated_at = absl::InfinitePast();
};

struct ContentInfo {
  Digest digest;
  int64_t size = 0;
  Labels labels;
  absl::Time created_at = absl::InfinitePast();
  absl::Time updated_at = absl::InfinitePast();
};

struct ContainerRecord {
  std::string id;           // 64 hex on reclaim-created containers
  std::string name;         // without the leading '/'
  std::string image;        // Config.Image: exactly what the user typed
  Digest image_id;          // the target digest the image resolved to at creation
  Labels labels;
  std::string snapshotter;  // containerd only; empty on the embedded store
  std::string snapshot_key;
  absl::Time created_at = absl::InfinitePast();
};

enum class LeaseResourceType { kContent, kIngest, kSnapshot };

struct LeaseResource {
  LeaseResourceType type = LeaseResourceType::kContent;
  std::string id;           // digest, ingest ref, or snapshot key
  std::string snapshotter;  // for kSnapshot
  friend bool operator==(const LeaseResource&, const LeaseResource&) = default;
};

struct Lease {
  std::string id;
  Labels labels;  // containerd.io/gc.expire, containerd.io/gc.flat, moby/prune.images, …
  absl::Time created_at = absl::InfinitePast();
  std::vector<LeaseResource> resources;
};

struct SnapshotUsage {
  std::string snapshotter;
  std::string key;     // committed snapshots: the chain ID
  std::string parent;  // empty for a base layer
  Labels labels;
  int64_t size = 0;    // bytes on disk
  int64_t inodes = 0;
};

// What one collection removed.
struct CollectResult {
  std::vector<ContentInfo> removed_content;  // sorted by digest
  std::vector<SnapshotUsage> removed_snapshots;
  std::vector<std::string> removed_leases;   // expired leases the collection deleted
  absl::Duration duration;
};

// The outcome of DeleteImagesAndCollect for one requested name.
struct ImageDeletion {
  std::string name;
  absl::Status status;  // OK, NotFound (counted as done by callers), or the failure
};

struct BatchDeleteResult {
  std::vector<ImageDeletion> deletions;  // in request order
  CollectResult collected;
};

// Streams a blob's bytes.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  // Reads up to `n` bytes; an empty result means end of blob.
  [[nodiscard]] virtual absl::StatusOr<std::string> Read(size_t n) = 0;
  virtual int64_t size() const = 0;
};

// The checks every ContentWriter::Commit makes before publishing, in order,
// with containerd's texts: `written` bytes against `expected_size` (when >= 0),
// then the digest of what was written against `expected` (when valid).
inline absl::Status CheckCommit(int64_t expected_size, int64_t written, const Digest& expected,
                                const Digest& got) {
  if (expected_size >= 0 && expected_size != written) {
    return absl::FailedPreconditionError("unexpected commit size " + std::to_string(written) +
                                         ", expected " + std::to_string(expected_size));
  }
  if (expected.valid() && expected != got) {
    return absl::FailedPreconditionError("unexpected commit digest " + got.str() +
                                         ", expected " + expected.str());
  }
  return absl::OkStatus();
}

// Writes one blob. Nothing is visible in the store before Commit succeeds.
class ContentWriter {
 public:
  virtual ~ContentWriter() = default;
  [[nodiscard]] virtual absl::Status Write(std::string_view bytes) = 0;
  virtual int64_t offset() const = 0;
  // Verifies size (when expected_size >= 0) and digest, then publishes the blob.
  // Size or digest mismatch: FailedPrecondition, and nothing is left behind.
  // Already present: AlreadyExists (the write is discarded; labels are merged).
  [[nodiscard]] virtual absl::Status Commit(int64_t expected_size, const Digest& expected,
                                            const Labels& labels) = 0;
  // Discards the write. Also done by the destructor when Commit was not called.
  virtual void Abort() = 0;
};

struct WriterOptions {
  std::string ref;        // ingest reference; unique per write in progress
  std::string lease_id;   // when set, the blob (and ingest) are added to this lease
  int64_t expected_size = -1;
  Digest expected;        // optional: lets the store reject early or dedupe
};

class Store {
 public:
  virtual ~Store() = default;

  // A short name for messages: "local /var/lib/reclaim", "containerd /run/…sock (ns default)".
  virtual std::string Describe() const = 0;

  // ---- images
  [[nodiscard]] virtual absl::StatusOr<std::vector<ImageRecord>> ListImages() = 0;
  [[nodiscard]] virtual absl::StatusOr<ImageRecord> GetImage(std::string_view name) = 0;
  // AlreadyExists when the name is taken. The store sets created_at/updated_at.
  [[nodiscard]] virtual absl::StatusOr<ImageRecord> CreateImage(const ImageRecord& image) = 0;
  // Replaces target and labels of an existing record (NotFound otherwise); keeps created_at.
  [[nodiscard]] virtual absl::StatusOr<ImageRecord> UpdateImage(const ImageRecord& image) = 0;
  // Removes the record only; content goes at the next collection.
  [[nodiscard]] virtual absl::Status DeleteImage(std::string_view name) = 0;

  // ---- content
  [[nodiscard]] virtual absl::StatusOr<ContentInfo> Info(const Digest& digest) = 0;
  [[nodiscard]] virtual absl::StatusOr<std::vector<ContentInfo>> ListContent() = 0;
  // Reads a whole blob; ResourceExhausted when it is larger than `max_size`.
  [[nodiscard]] virtual absl::StatusOr<std::string> ReadBlob(const Digest& digest,
                                                             int64_t max_size) = 0;
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<BlobReader>> OpenBlob(
      const Digest& digest) = 0;
  // Sets (value non-empty) or removes (value empty) each given label.
  [[nodiscard]] virtual absl::StatusOr<ContentInfo> UpdateContentLabels(const Digest& digest,
                                                                       const Labels& changes) = 0;
  [[nodiscard]] virtual absl::Status DeleteContent(const Digest& digest) = 0;
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<ContentWriter>> Writer(
      const WriterOptions& options) = 0;

  // ---- containers
  [[nodiscard]] virtual absl::StatusOr<ContainerRecord> CreateContainer(
      const ContainerRecord& container) = 0;
  [[nodiscard]] virtual absl::StatusOr<std::vector<ContainerRecord>> ListContainers() = 0;
  [[nodiscard]] virtual absl::StatusOr<ContainerRecord> GetContainer(std::string_view id) = 0;
  [[nodiscard]] virtual absl::Status DeleteContainer(std::string_view id) = 0;

  // ---- leases
  [[nodiscard]] virtual absl::StatusOr<Lease> CreateLease(std::string_view id,
                                                          const Labels& labels) = 0;
  [[nodiscard]] virtual absl::StatusOr<std::vector<Lease>> ListLeases() = 0;
  [[nodiscard]] virtual absl::Status AddLeaseResource(std::string_view lease_id,
                                                      const LeaseResource& resource) = 0;
  // With `sync`, returns after a collection that no longer counts the lease.
  [[nodiscard]] virtual absl::Status DeleteLease(std::string_view id, bool sync) = 0;

  // ---- snapshots (empty on stores that do not unpack)
  [[nodiscard]] virtual absl::StatusOr<std::vector<SnapshotUsage>> ListSnapshots() = 0;

  // ---- collection
  // Deletes each named record (no collection in between), then runs exactly one
  // collection. Per-name failures are reported, not fatal; the returned status
  // is an error only when the collection itself failed.
  [[nodiscard]] virtual absl::StatusOr<BatchDeleteResult> DeleteImagesAndCollect(
      const std::vector<std::string>& names) = 0;
  [[nodiscard]] virtual absl::StatusOr<CollectResult> Collect() = 0;
  // DeleteImagesAndCollect with `after_deletions` run once between the record
  // deletions and the collection, given each name's outcome (a prune releases
  // snapshot labels there). The default deletes the records one by one, runs
  // it, then Collect()s; stores override it to keep their batch.
  [[nodiscard]] virtual absl::StatusOr<BatchDeleteResult> DeleteImagesThenCollect(
      const std::vector<std::string>& names,
      const std::function<void(const std::vector<ImageDeletion>&)>& after_deletions) {
    BatchDeleteResult result;
    result.deletions.reserve(names.size());
    for (const std::string& name : names) {
      result.deletions.push_back(ImageDeletion{name, DeleteImage(name)});
    }
    if (after_deletions) after_deletions(result.deletions);
    absl::StatusOr<CollectResult> collected = Collect();
    if (!collected.ok()) return collected.status();
    result.collected = *std::move(collected);
    return result;
  }

  // ---- change detection
  // A number that differs from an earlier answer whenever an image or
  // container record was created, updated or deleted in between (it may also
  // change without such a write). Stores that cannot tell answer Unimplemented
  // (the default); callers then compare the records themselves.
  [[nodiscard]] virtual absl::StatusOr<uint64_t> RecordsGeneration() {
    return absl::UnimplementedError("records generation: not supported by " + Describe());
  }
  // A number that differs from an earlier answer whenever anything a listing
  // can see changed in between: image or container records, content (a commit,
  // a deletion, a label update, a collection) or leases (it may also change
  // without such a write). A cache keyed by it must read it before it reads the
  // store. Stores that cannot tell answer Unimplemented (the default); callers
  // then read the store every time.
  [[nodiscard]] virtual absl::StatusOr<uint64_t> StateGeneration() {
    return absl::UnimplementedError("state generation: not supported by " + Describe());
  }
};

}  // namespace reclaim

#endif  // RECLAIM_STORE_STORE_H_
