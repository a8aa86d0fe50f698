// File: imageio/pull.h
//
// `docker pull` for a Store: fetches an image from a registry (through a
// RegistryClient, registry/client.h) and records it, as Docker's containerd
// image store does through containerd's client.Pull:
//
//   1. resolve the reference to its target (a manifest or an index); for an
//      index, pick the manifest the platform matcher prefers;
//   2. fetch what is missing: the config and the layers (up to
//      `parallelism` at once, each verified by size and digest before its
//      commit), then the manifest and the index, bottom up, so a parent is
//      only ever committed after its children. A blob already in the store is
//      not fetched again ("Already exists");
//   3. label as containerd does: `containerd.io/gc.ref.content.*` on each
//      parent for the children pulled (ChildGcLabels; an index names only the
//      chosen manifest), and the repository appended to every blob's
//      distribution source label (imageio/distribution_source.h), whether it
//      was fetched or already there;
//   4. point the name at the target (a tag or digest reference, canonical)
//      and, when `unpack` is set (containerd stores), unpack it into the
//      snapshotter.
// Everything runs under one lease (containerd.io/gc.expire = now + 1h,
// deleted at the end), so a concurrent prune or collection never takes
// half-pulled content, and a killed pull leaves only content the next
// collection removes.
//
//   RECLAIM_ASSIGN_OR_RETURN(PullResult r, PullImage(store, *client, ref, options));
//
// Progress arrives as PullEvents in moby's order (Pulling from, Pulling fs
// layer, Downloading, Download complete / Already exists, Pull complete);
// when every layer is already local there are no layer events (moby's
// hideLayers). The events are delivered one at a time.
//
// Errors: the registry's statuses (registry/errors.h), with moby's texts for
// what a user sees most: a reference the registry does not know is NotFound
// "manifest for <ref> not found: manifest unknown: manifest unknown"; refused
// credentials are NotFound "pull access denied for <name>, repository does
// not exist or may require 'docker login'"; an index without the platform is
// NotFound "no matching manifest for <platform> in the manifest list entries:
// ...". A registry that sends other bytes than it promised is refused before
// anything is committed.
//
// Thread-safety: PullImage may run concurrently with other store users and
// other pulls.
#ifndef RECLAIM_IMAGEIO_PULL_H_
#define RECLAIM_IMAGEIO_PULL_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/descriptor.h"
#include "core/reference.h"
#include "platform/cancel.h"
#include "platform/clock.h"
#include "registry/client.h"
#include "registry/platforms.h"
#include "store/store.h"

namespace reclaim {

struct PullEvent {
  enum class Kind {
    kPullingFrom,       // the target is resolved: id = tag (or the reference), text = repository path
    kPullingFsLayer,    // a layer to fetch; id = its digest's first 12 hex
    kDownloading,       // current / total bytes of that layer
    kDownloadComplete,  // fetched and committed
    kAlreadyExists,     // the store already had it
    kPullComplete,      // recorded (and unpacked, on containerd)
  };
  Kind kind = Kind::kPullingFrom;
  std::string id;
  std::string text;
  int64_t current = 0;
  int64_t total = 0;
};

struct PullOptions {
  PlatformMatcher platforms = PlatformMatcher::Only(DefaultPlatform());
  std::string platform_text;  // for messages ("linux/amd64"); "" = FormatPlatform(DefaultPlatform())
  int parallelism = 3;        // layers fetched at once (containerd's default)
  std::function<void(const PullEvent&)> progress;
  // Unpacks the target after it is recorded (ImageServiceOptions::unpack);
  // NotFound leaves it packed. Unset: no unpack.
  std::function<absl::Status(const Descriptor& target)> unpack;
  const Clock* clock = nullptr;  // lease expiry; null = RealClock()
  // Checked at every write of fetched bytes: once it fires the pull fails with
  // Cancelled, nothing it fetched is committed, and its lease goes.
  const CancelToken* cancel = nullptr;

  // Pull `specifier` ("linux/arm64") instead of the default platform;
  // InvalidArgument from ParsePlatform.
  [[nodiscard]] absl::Status SetPlatform(std::string_view specifier);
};

struct PullResult {
  std::string name;  // the stored (canonical) name: docker.io/library/alpine:latest
  Descriptor target;
  std::optional<Descriptor> previous_target;  // when the name pointed elsewhere before
  bool created = false;                       // a new record
  int64_t blobs_fetched = 0;
  int64_t bytes_fetched = 0;
};

// Pulls `ref`, which has a tag or a digest (a name-only reference is
// InvalidArgument: list its tags and pull each, as moby does).
[[nodiscard]] absl::StatusOr<PullResult> PullImage(Store& store, RegistryClient& client,
                                                   const Reference& ref,
                                                   const PullOptions& options = {});

// What a pull of `ref` pulls: `ref` itself, or for a name-only reference each
// of the repository's tags (moby's `pull -a`).
[[nodiscard]] absl::StatusOr<std::vector<Reference>> PullReferences(RegistryClient& client,
                                                                    const Reference& ref);

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_PULL_H_
