// File: store/containerd/unpack.h
//
// Unpacking: turning an image whose content is already in containerd's
// content store into snapshots of a snapshotter, so that `ctr run`, nerdctl
// and kubelet can run it and a prune counts its snapshot bytes. It does what
// containerd 1.6's own unpack does (client image.Unpack, rootfs.ApplyLayers,
// the pull unpacker), through the Snapshots and Diff services:
//
//   1. the target (a manifest, or an index: the first manifest for the host
//      platform, as platforms.Only(host) orders them) names a config whose
//      `rootfs.diff_ids` give the chain IDs: ChainID(1) = DiffID(1),
//      ChainID(n) = sha256("ChainID(n-1) DiffID(n)");
//   2. bottom up, a layer whose chain ID is already a committed snapshot is
//      skipped; a missing one is Prepared under an extraction key
//      ("extract-<nanos>-<random> <chainID>") on its parent's chain ID,
//      Diff.Apply'd (containerd decompresses by media type: gzip, zstd,
//      uncompressed, foreign and non-distributable alike), checked against its
//      diff ID ("wrong diff id calculated on extraction"), and Committed as
//      the chain ID; a failed layer's extraction snapshot is removed, and an
//      AlreadyExists commit (someone else unpacked it meanwhile) is success;
//   3. each newly applied layer blob gets containerd.io/uncompressed=<diff ID>,
//      and the config gets containerd.io/gc.ref.snapshot.<snapshotter>=<top
//      chain ID>, which keeps the snapshots alive for as long as the image is.
// Everything runs under a lease (a temporary one with gc.expire, deleted at
// the end, unless the caller passes its own), so a concurrent collection
// never removes half-unpacked snapshots.
//
//   RECLAIM_ASSIGN_OR_RETURN(UnpackResult r, store.Unpack(image.target, {}));
//   auto all = store.UnpackAll(targets, {.parallelism = 8});  // one status per target
//
// UnpackAll unpacks different images in parallel (the layers of one image
// chain sequentially), shares one lease among them and, from
// UnpackOptions::list_threshold targets on, one snapshot listing instead of
// a Stat per image,
// and never applies a chain ID twice in one process: a per-chain-ID lock
// (ChainLocks, one per store) makes a second image wait for the first one's
// commit, then skip the layer.
//
// Thread-safety: ChainLocks is safe for concurrent use; the option and result
// structs are values.
#ifndef RECLAIM_STORE_CONTAINERD_UNPACK_H_
#define RECLAIM_STORE_CONTAINERD_UNPACK_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "core/descriptor.h"
#include "core/digest.h"

namespace reclaim {

class Clock;

inline constexpr std::string_view kUncompressedLabel = "containerd.io/uncompressed";
inline constexpr std::string_view kSnapshotRefLabel = "containerd.io/snapshot.ref";
inline constexpr std::string_view kInheritedSnapshotLabelPrefix = "containerd.io/snapshot/";
inline constexpr std::string_view kUnpackKeyPrefix = "extract-";

// containerd's platforms.Only(host) for the platform this binary runs on,
// best first: linux/amd64 then linux/386 on amd64; linux/arm64 then
// linux/arm/v8 … v5 on arm64.
std::vector<Platform> HostUnpackPlatforms();

struct UnpackOptions {
  // "" = the store's (ContainerdStoreOptions::snapshotter).
  std::string snapshotter;
  // The platforms an index entry may have, best first; entries are compared
  // (os, architecture, variant) after `normalize_platform`.
  std::vector<Platform> platforms = HostUnpackPlatforms();
  // containerd's platforms.Normalize; store/ cannot reach imageio's
  // NormalizePlatform, so callers above pass it. Unset: compared as written.
  std::function<Platform(Platform)> normalize_platform;
  // A lease the caller holds (a load's): used, never deleted. "" = a lease of
  // our own, "reclaim-unpack-<16 hex>" with gc.expire = now + lease_expiry,
  // deleted (without a synchronous collection) at the end.
  std::string lease_id;
  absl::Duration lease_expiry = absl::Hours(1);
  // false: the snapshots carry no labels, as `ctr images import` and
  // `docker load` (client Image.Unpack) leave them. true: containerd's pull
  // unpacker's labels, containerd.io/snapshot.ref=<chain ID> plus the layer
  // descriptor's containerd.io/snapshot/* annotations (for pull).
  bool pull_labels = false;
  // Images unpacked at once by UnpackAll.
  int parallelism = 4;
  // UnpackAll lists the snapshotter's committed snapshots once instead of a
  // Stat per image when it has at least this many targets.
  size_t list_threshold = 16;
  const Clock* clock = nullptr;  // lease expiry, extraction keys; null = RealClock()
};

struct UnpackedLayer {
  Descriptor blob;            // the manifest's layer descriptor
  Digest diff_id;             // from the config's rootfs.diff_ids
  std::string chain_id;       // the committed snapshot's name
  bool applied = false;       // applied and committed by this call (else: already there)
  int64_t applied_bytes = 0;  // uncompressed tar bytes Diff.Apply read (0 when skipped)
};

struct UnpackResult {
  Descriptor manifest;  // the platform's manifest (the target itself when it is one)
  Digest config;
  std::string snapshotter;
  std::string chain_id;  // the top layer's chain ID: the image's rootfs ("" without layers)
  std::vector<UnpackedLayer> layers;  // bottom first
  int64_t applied_bytes = 0;          // sum over layers
  size_t applied_layers() const;
};

// containerd's identity.ChainID over `diff_ids` (bottom first): one chain ID
// per prefix. Pure.
std::vector<std::string> ChainIds(const std::vector<Digest>& diff_ids);

// Extraction key in containerd's form, snapshots.UnpackKeyFormat with
// rootfs.uniquePart: "extract-<nanosecond of the second>-<4 base64url chars> <chain ID>".
std::string ExtractionKey(absl::Time now, const std::string& chain_id);

// containerd's platforms matching for an index: the position of `p` in
// `ordered` (0 = best), or -1 when it matches none. Compares os,
// architecture and variant after `normalize` (when set).
int PlatformRank(const Platform& p, const std::vector<Platform>& ordered,
                 const std::function<Platform(Platform)>& normalize);

// One lock per key (a chain ID), held while its layer is unpacked, so that
// two images sharing a layer apply it once. Keys are forgotten when unlocked.
class ChainLocks {
 public:
  class Held {
   public:
    Held(ChainLocks* locks, std::string key, bool waited)
        : locks_(locks), key_(std::move(key)), waited_(waited) {}
    Held(Held&& other) noexcept
        : locks_(std::exchange(other.locks_, nullptr)),
          key_(std::move(other.key_)),
          waited_(other.waited_) {}
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    Held& operator=(Held&&) = delete;
    ~Held();
    // True when another holder had the key first: what it did must be looked at.
    bool waited() const { return waited_; }

   private:
    ChainLocks* locks_;
    std::string key_;
    bool waited_;
  };

  // Blocks while another thread holds `key`.
  Held Lock(const std::string& key);

 private:
  std::mutex mu_;
  std::condition_variable released_;
  std::set<std::string> held_;
};

}  // namespace reclaim

#endif  // RECLAIM_STORE_CONTAINERD_UNPACK_H_
