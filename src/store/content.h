// File: store/content.h
//
// ContentStore: the role of a store that keeps blobs by digest (containerd's
// Content service): sizes and string labels, whole or streamed reads, and
// writes that are invisible until a commit verified their size and digest.
// Conformance: store/conformance/content.cc.
//
//   RECLAIM_ASSIGN_OR_RETURN(auto w, content.Writer({.ref = "load-1", .lease_id = lease}));
//   RECLAIM_RETURN_IF_ERROR(w->Write(bytes));
//   RECLAIM_RETURN_IF_ERROR(w->Commit(size, digest, labels));  // or AlreadyExists
//
// Thread-safety: implementations are safe for concurrent use; a ContentWriter
// or BlobReader belongs to one thread at a time.
#ifndef RECLAIM_STORE_CONTENT_H_
#define RECLAIM_STORE_CONTENT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/digest.h"
#include "store/records.h"

namespace reclaim {

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
    return absl::FailedPreconditionError("unexpected commit digest " + got.str() + ", expected " +
                                         expected.str());
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
  std::string ref;       // ingest reference; unique per write in progress
  std::string lease_id;  // when set, the blob (and ingest) are added to this lease
  int64_t expected_size = -1;
  Digest expected;  // optional: lets the store reject early or dedupe
};

class ContentStore {
 public:
  virtual ~ContentStore() = default;

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
};

}  // namespace reclaim

#endif  // RECLAIM_STORE_CONTENT_H_
