// File: registry/client.h
//
// A client of the OCI distribution API (Docker registries), for pulls:
// resolve a reference to a descriptor, fetch manifests and blobs verified
// against their descriptors, list tags, check a login. Pushes are in
// registry/push.h. It follows containerd 1.6's resolver and fetcher
// (specs/registry.md A2); hosts, TLS and auth are registry/hosts.h,
// registry/certs_dir.h and registry/authorizer.h.
//
//   RECLAIM_ASSIGN_OR_RETURN(auto client, RegistryClient::Create(options));
//   RECLAIM_ASSIGN_OR_RETURN(Reference ref, ParseNormalizedNamed("localhost:5000/app:1"));
//   RECLAIM_ASSIGN_OR_RETURN(Descriptor target, client->Resolve(ref));
//   RECLAIM_ASSIGN_OR_RETURN(Descriptor m, client->SelectManifest(ref, target,
//                                              PlatformMatcher::Only(DefaultPlatform())));
//   RECLAIM_ASSIGN_OR_RETURN(std::string bytes, client->FetchManifest(ref, m));
//   RECLAIM_RETURN_IF_ERROR(client->FetchBlobs(ref, layers, sink_factory, {.parallelism = 3}));
//
// Pulled bytes go to a caller-given BlobSink and are committed only after
// their size and digest were verified: a registry that sends other bytes than
// the descriptor names is refused ("unexpected commit size <n>, expected <m>"
// / "unexpected commit digest <d>, expected <e>", FailedPrecondition) and the
// sink is never committed.
//
// Resolve: `HEAD /v2/<name>/manifests/<tag|digest>` with the Accept list
// below; the descriptor is (Docker-Content-Digest, Content-Length,
// Content-Type without parameters); without the digest or length header it
// GETs the body and hashes it; a 405 is retried as GET; by digest it falls
// back to `/blobs/<digest>`. Each endpoint of the domain is tried in order
// (mirrors first): a 404 moves on; when all fail the first non-404 error wins,
// else NotFound "<ref>: not found". Schema 1 manifests are refused with moby's
// text; manifests over kMaxManifestSize (4,393,216 bytes) are refused.
//
// Errors from the registry are statuses as registry/errors.h maps them.
//
// Thread-safety: a RegistryClient is safe for concurrent use; FetchBlobs runs
// its own worker threads.
#ifndef RECLAIM_REGISTRY_CLIENT_H_
#define RECLAIM_REGISTRY_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/descriptor.h"
#include "core/reference.h"
#include "platform/clock.h"
#include "platform/fs.h"
#include "registry/auth_config.h"
#include "registry/authorizer.h"
#include "registry/certs_dir.h"
#include "registry/hosts.h"
#include "registry/platforms.h"
#include "registry/transport.h"

namespace reclaim {

namespace registry_internal {
class Context;
}  // namespace registry_internal

// containerd's MaxManifestSize (4 * 1048 * 1048).
inline constexpr int64_t kMaxManifestSize = int64_t{4} * 1048 * 1048;

// The Accept header of manifest requests.
inline constexpr std::string_view kManifestAccept =
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, */*";

// Docker's answer to a successful login.
inline constexpr std::string_view kLoginSucceeded = "Login Succeeded";

// Where a fetched blob goes. The client calls Write with the bytes in order,
// then Commit exactly once when, and only when, every byte arrived and size
// and digest match the descriptor (for a sink that VerifiesOnCommit, when the
// size matches: its Commit checks the digest). On failure Commit is not called
// and the sink keeps what was written (a later FetchBlob may resume from there).
class BlobSink {
 public:
  virtual ~BlobSink() = default;
  [[nodiscard]] virtual absl::Status Write(std::string_view data) = 0;
  [[nodiscard]] virtual absl::Status Commit() = 0;
  // Feeds the first `n` bytes the sink already holds to `fn`; used when a
  // fetch resumes at offset `n` and the registry honours the Range (the hash
  // must cover the whole blob). The default is Unimplemented.
  [[nodiscard]] virtual absl::Status ReadPrefix(
      uint64_t n, const std::function<absl::Status(std::string_view)>& fn);
  // True when Commit itself verifies size and digest against the descriptor
  // and fails without publishing on a mismatch (a content store writer given
  // the expected digest): the client then checks the size only and does not
  // hash every byte a second time. Default false.
  virtual bool VerifiesOnCommit() const { return false; }
};

// What FetchBlobs writes one descriptor into: `sink` null means "skip" (the
// caller already has the blob); `offset` is how many bytes the sink holds.
struct BlobTarget {
  std::unique_ptr<BlobSink> sink;
  uint64_t offset = 0;
};
using BlobSinkFactory = std::function<absl::StatusOr<BlobTarget>(const Descriptor&)>;

// Bytes of `desc` held so far (offset included); called after each chunk and
// never concurrently with itself.
using FetchProgressFn = std::function<void(const Descriptor& desc, uint64_t bytes)>;

struct FetchBlobsOptions {
  int parallelism = 3;
  FetchProgressFn progress;
};

struct LoginResult {
  std::string status;  // kLoginSucceeded
};

struct RegistryClientOptions {
  RegistryHostsConfig hosts;
  std::string certs_dir = std::string(kDefaultCertsDir);
  Fs* fs = nullptr;                          // certs.d reads; nullptr = RealFs()
  const Clock* clock = nullptr;              // token expiry; nullptr = RealClock()
  CredentialsFn credentials;                 // per host[:port]; null = anonymous
  std::shared_ptr<HttpTransport> transport;  // nullptr = NewCurlTransport()
  HostLookup lookup;                         // nullptr = SystemHostLookup
};

class RegistryClient {
 public:
  // InvalidArgument for invalid insecure_registries / registry_mirrors.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RegistryClient>> Create(
      RegistryClientOptions options);
  ~RegistryClient();

  // The descriptor `ref` (tag or digest) names. A name-only reference is
  // InvalidArgument (list tags instead).
  [[nodiscard]] absl::StatusOr<Descriptor> Resolve(const Reference& ref);

  // The manifest or index `desc` in repository `repo` (its tag and digest are
  // ignored), verified against `desc`.
  [[nodiscard]] absl::StatusOr<std::string> FetchManifest(const Reference& repo,
                                                          const Descriptor& desc);

  // Follows `desc` down indexes (fetching them) to the image manifest that
  // `matcher` prefers; a manifest is returned as is. NotFound "no match for
  // platform in manifest: not found" when an index has no entry for it.
  [[nodiscard]] absl::StatusOr<Descriptor> SelectManifest(const Reference& repo,
                                                          const Descriptor& desc,
                                                          const PlatformMatcher& matcher);

  // Fetches blob `desc` into `sink`, which already holds its first `offset`
  // bytes (`Range: bytes=<offset>-`; see registry/content_range.h). Transfer
  // failures are retried from where they stopped, at most 3 times in a row
  // without progress.
  [[nodiscard]] absl::Status FetchBlob(const Reference& repo, const Descriptor& desc,
                                       BlobSink& sink, uint64_t offset = 0);

  // Fetches `descs` with up to `options.parallelism` at once. Returns the first
  // error (blobs already started finish; no new one starts after an error).
  [[nodiscard]] absl::Status FetchBlobs(const Reference& repo, const std::vector<Descriptor>& descs,
                                        const BlobSinkFactory& sinks,
                                        const FetchBlobsOptions& options = {});

  // Every tag of `repo` (`/v2/<name>/tags/list`, following `Link` pages).
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> ListTags(const Reference& repo);

  // Checks `credentials` against `GET /v2/` of `domain` (with the token flow
  // when the registry asks for it), without caching them. Failure: the token
  // server's error, or "login attempt to <url> failed with status: <code>
  // <reason>" (Unauthenticated for 401).
  [[nodiscard]] absl::StatusOr<LoginResult> CheckLogin(std::string_view domain,
                                                       const AuthConfig& credentials);

 private:
  friend class RegistryPusher;
  RegistryClient(std::unique_ptr<registry_internal::Context> context,
                 std::unique_ptr<Authorizer> authorizer);
  absl::Status FetchBlobWithProgress(const Reference& repo, const Descriptor& desc, BlobSink& sink,
                                     uint64_t offset, const FetchProgressFn* progress);

  std::unique_ptr<registry_internal::Context> context_;
  std::unique_ptr<Authorizer> authorizer_;
};

// moby's text for a schema 1 manifest of `ref` (InvalidArgument).
absl::Status Schema1Error(const Reference& ref);

}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_CLIENT_H_
