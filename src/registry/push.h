// File: registry/push.h
//
// Pushing to a registry (specs/registry.md A4): blobs first, the manifest
// last, all with scope `repository:<name>:pull,push`, to the registry itself
// (never a mirror).
//
//   RegistryPusher pusher(*client, repo);        // repo: e.g. 127.0.0.1:5000/app
//   RECLAIM_ASSIGN_OR_RETURN(bool present, pusher.BlobExists(layer.digest));
//   if (!present) {
//     RECLAIM_ASSIGN_OR_RETURN(MountResult m, pusher.Mount(layer.digest, "other/app"));
//     PushBlobOptions o;
//     o.upload_url = m.upload_url;
//     if (!m.mounted) RECLAIM_RETURN_IF_ERROR(pusher.PushBlob(layer, source, o));
//   }
//   RECLAIM_ASSIGN_OR_RETURN(Digest d, pusher.PutManifest("1", media_type, manifest_bytes));
//
//  - BlobExists: `HEAD /v2/<name>/blobs/<digest>`: 200 true, 404 false.
//  - Mount: `POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<repo>`: 201
//    mounted; 202 opened an upload session instead (its URL is returned).
//  - PushBlob: `POST /v2/<name>/blobs/uploads/` (unless an upload URL is
//    given) -> 202 Location; then either one `PUT <location>?digest=<d>` with
//    the whole body (chunk_size 0), or `PATCH <location>` per chunk with
//    `Content-Range: <start>-<end>` and a final empty `PUT ...?digest=`. 201
//    expected; the answer's Docker-Content-Digest must be the descriptor's.
//  - PutManifest: `PUT /v2/<name>/manifests/<tag|digest>` with Content-Type =
//    the media type; returns the registry's Docker-Content-Digest, which must
//    be the digest of the bytes sent.
//
// A BlobSource supplies exactly the descriptor's size bytes; fewer or more is
// an error before anything is committed remotely (the registry verifies the
// digest as well).
//
// Thread-safety: a RegistryPusher may be used from several threads (pushing
// different blobs); it borrows the client, which must outlive it.
#ifndef RECLAIM_REGISTRY_PUSH_H_
#define RECLAIM_REGISTRY_PUSH_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/descriptor.h"
#include "core/digest.h"
#include "core/reference.h"
#include "registry/client.h"

namespace reclaim {

// Where pushed blob bytes come from.
class BlobSource {
 public:
  virtual ~BlobSource() = default;
  // Fills up to `n` bytes of `buf`; returns how many, 0 at the end.
  [[nodiscard]] virtual absl::StatusOr<size_t> Read(char* buf, size_t n) = 0;
};

// A BlobSource over bytes in memory (which must outlive it).
class StringBlobSource final : public BlobSource {
 public:
  explicit StringBlobSource(std::string_view bytes) : bytes_(bytes) {}
  explicit StringBlobSource(const char* bytes) : bytes_(bytes) {}
  explicit StringBlobSource(std::string&&) = delete;  // would dangle
  absl::StatusOr<size_t> Read(char* buf, size_t n) override;

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

struct MountResult {
  bool mounted = false;
  std::string upload_url;  // when not mounted: the upload session opened
};

struct PushBlobOptions {
  size_t chunk_size = 0;   // 0: one monolithic PUT
  std::string upload_url;  // an upload session to use (from Mount)
  // Bytes sent so far; called from the pushing thread.
  std::function<void(uint64_t bytes)> progress;
};

class RegistryPusher {
 public:
  RegistryPusher(RegistryClient& client, Reference repo);

  [[nodiscard]] absl::StatusOr<bool> BlobExists(const Digest& digest);
  // `from` is a repository path on the same registry ("library/alpine").
  [[nodiscard]] absl::StatusOr<MountResult> Mount(const Digest& digest, std::string_view from);
  [[nodiscard]] absl::Status PushBlob(const Descriptor& desc, BlobSource& source,
                                      const PushBlobOptions& options = {});
  [[nodiscard]] absl::StatusOr<Digest> PutManifest(std::string_view tag_or_digest,
                                                   std::string_view media_type,
                                                   std::string_view bytes);

 private:
  absl::StatusOr<std::string> StartUpload();
  absl::Status Upload(const Descriptor& desc, BlobSource& source, const PushBlobOptions& options,
                      std::string location);

  RegistryClient& client_;
  Reference repo_;
};

}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_PUSH_H_
