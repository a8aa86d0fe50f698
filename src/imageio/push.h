// File: imageio/push.h
//
// `docker push` from a Store: uploads an image's blobs and manifests to a
// registry (through registry/push.h), as Docker's containerd image store does
// (daemon/containerd/image_push.go over containerd's remotes.PushContent):
//
//   1. the record for the reference's name (canonical, with its tag) gives
//      the target; a target that is an index is pushed whole when all it
//      names is present, else the present manifest the platform matcher
//      prefers (moby's getPushDescriptor; a ManifestInsteadOfIndex event
//      says so); with `platform` set, that platform's manifest only;
//   2. the blobs (configs and layers, each once) go up first, up to
//      `parallelism` at once: a blob the repository has (HEAD) is skipped
//      ("Layer already exists"), one the store knows to be in another
//      repository of the same registry (the distribution source labels,
//      imageio/distribution_source.h) is mounted from there ("Mounted from
//      <path>"), the rest are uploaded ("Pushing" progress, "Pushed");
//   3. then the manifests, child manifests by digest and the target last by
//      the reference's tag (or digest), so a tag never names a manifest whose
//      blobs are not there yet;
//   4. every pushed blob's distribution source label gains the repository.
// The store's content is held by a lease for the whole push, so a concurrent
// prune cannot delete what is being read.
//
//   RECLAIM_ASSIGN_OR_RETURN(PushResult r, PushImage(store, *client, ref, options));
//   // r.tag ":" " digest: " r.target.digest " size: " r.target.size
//
// Events come in moby's order and with its texts (see PushEvent), one at a
// time. Layer ids are the digest's first 12 hex digits; configs, manifests
// and indexes have no events, as in moby.
//
// Errors: a name the store does not have is NotFound "tag does not exist:
// <familiar ref>"; missing content NotFound "content digest <d>: not found";
// a platform the image lacks NotFound "image with reference <name> was found
// but does not match the specified platform: wanted <platform>"; a registry
// that refuses the credentials Unauthenticated / PermissionDenied "error from
// registry: <its message>" (moby's text); other registry errors as
// registry/errors.h maps them.
//
// Thread-safety: PushImage may run concurrently with other store users.
#ifndef RECLAIM_IMAGEIO_PUSH_H_
#define RECLAIM_IMAGEIO_PUSH_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/descriptor.h"
#include "core/reference.h"
#include "platform/clock.h"
#include "registry/client.h"
#include "store/store.h"

namespace reclaim {

struct PushEvent {
  enum class Kind {
    kWaiting,         // a layer to push; id = its digest's first 12 hex
    kPushing,         // current / total bytes of that layer sent
    kPushed,          // uploaded
    kLayerExists,     // the repository had it ("Layer already exists")
    kMounted,         // mounted from another repository: text = its path
    kManifestInsteadOfIndex,  // text = the manifest digest pushed instead of the index
  };
  Kind kind = Kind::kWaiting;
  std::string id;
  std::string text;
  int64_t current = 0;
  int64_t total = 0;
  Descriptor index, manifest;  // kManifestInsteadOfIndex: what was replaced by what
};

struct PushOptions {
  std::optional<Platform> platform;  // push only this platform's manifest
  int parallelism = 5;               // blobs at once (dockerd's max-concurrent-uploads)
  size_t chunk_size = 0;             // 0: each blob in one PUT; else PATCH chunks
  std::function<void(const PushEvent&)> progress;
  const Clock* clock = nullptr;  // lease expiry; null = RealClock()
};

struct PushResult {
  std::string tag;    // the reference's tag, "" when pushed by digest
  Descriptor target;  // what the tag now names in the registry
  int64_t blobs_uploaded = 0;
  int64_t blobs_mounted = 0;
  int64_t blobs_existing = 0;
};

// The line moby writes first: "The push refers to repository [<name>]".
std::string PushRefersTo(const Reference& ref);

// Pushes `ref` (tagged or digested; name-only is InvalidArgument: see
// PushReferences).
[[nodiscard]] absl::StatusOr<PushResult> PushImage(Store& store, RegistryClient& client,
                                                   const Reference& ref,
                                                   const PushOptions& options = {});

// What a push of `ref` pushes: `ref` itself, or for a name-only reference every
// tag the store has in that repository, sorted (moby's `push --all-tags`).
// NotFound "An image does not exist locally with the tag: <familiar name>"
// when there is none.
[[nodiscard]] absl::StatusOr<std::vector<Reference>> PushReferences(Store& store,
                                                                    const Reference& ref);

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_PUSH_H_
