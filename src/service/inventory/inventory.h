// File: service/inventory/inventory.h
//
// The Inventory: everything the prune planner (service/prune/plan.h) and the
// image list (service/image_service.h) read of a Store, gathered in one pass
// (design.md "The prune pipeline", step 2):
//
//   bulk reads   ListImages, ListContainers, ListContent (sizes + labels: the
//                GC graph), ListLeases, ListSnapshots; presence of a blob is
//                decided from the ListContent answer, never by one Info per blob;
//   one walk per distinct target   images sharing a target share the walk
//                (ImageInventory::walk: one TargetWalk per target, never copied
//                per record; WalkPresentChildren semantics, prune.md §3.3: pre-order,
//                absent blobs skipped with their subtree, duplicates kept);
//                walks run on a small pool of threads (InventoryOptions::parallelism);
//   configs      every present config is read once and parsed into a
//                ConfigSummary: `config.Labels`, `rootfs.diff_ids` and their
//                chain IDs (ChainID(1) = DiffID(1), ChainID(n) =
//                sha256("ChainID(n-1) DiffID(n)")), `created`, the platform.
//                A config that vanished (NotFound) is skipped; any other read or
//                parse error is the image's walk error (moby >= 29.6);
//   attestations a manifest whose descriptor carries `vnd.docker.reference.type`
//                marks its subtree's configs `attestation` (skipped by label
//                matching).
//
// Blob bodies are immutable (content addressed), so parsed manifests, indexes
// and configs may be kept in a BlobParseCache shared by successive gathers (the
// image list uses the same walk); presence is always taken fresh.
//
//   RECLAIM_ASSIGN_OR_RETURN(Inventory inv, GatherInventory(store, {.parallelism = 4}));
//   Plan plan = PlanPrune(inv, options);
//
// Thread-safety: GatherInventory is as thread-safe as the Store; BlobParseCache
// is safe for concurrent use.
#ifndef RECLAIM_SERVICE_INVENTORY_INVENTORY_H_
#define RECLAIM_SERVICE_INVENTORY_INVENTORY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/descriptor.h"
#include "core/digest.h"
#include "platform/mutex.h"
#include "platform/cancel.h"
#include "gc/gc.h"
#include "store/store.h"

namespace reclaim {

// BuildKit marks attestation manifests with this annotation (on the index's
// descriptor of the manifest); their subtree is ignored for label matching.
inline constexpr std::string_view kAttestationReferenceTypeAnnotation = "vnd.docker.reference.type";

// One present image config of an image.
struct ConfigLabels {
  Digest digest;
  Labels labels;             // the config JSON's `config.Labels`
  bool attestation = false;  // under an attestation manifest: skipped for label matching
  // The chain ID of the config's whole rootfs (its last chain ID; empty
  // without layers): the snapshot a container of this image starts from.
  std::string top_chain_id;
};

struct ConfigSummary;  // below

// The walk of one target (service/inventory/inventory.h gathers them): what every
// image record naming that target sees.
struct TargetWalk {
  Descriptor target;
  // Present descriptors in walkPresentChildren order (pre-order, duplicates
  // kept), the target first when present.
  std::vector<Descriptor> descriptors;
  // Present configs (IsConfig) in walk order.
  std::vector<ConfigLabels> configs;
  // Parallel to `configs`; empty when gathered without summaries
  // (InventoryOptions::config_summaries).
  std::vector<std::shared_ptr<const ConfigSummary>> summaries;
  // Chain IDs of the present configs' rootfs (every level, in order), for snapshots.
  std::vector<std::string> chain_ids;
  absl::Status error;  // the walk stopped here
};

// What the service gathers about one image record.
struct ImageInventory {
  ImageRecord record;
  // The walk of the record's target, shared by every record naming the same
  // target. Null: nothing present (as an empty walk).
  std::shared_ptr<const TargetWalk> walk;
  // Non-OK when the walk (or reading a config) failed. Such an image never
  // matches a label filter and is never pruned.
  absl::Status walk_error;

  // The walk's descriptors, configs and chain IDs (empty without a walk).
  const std::vector<Descriptor>& descriptors() const;
  const std::vector<ConfigLabels>& configs() const;
  const std::vector<std::string>& chain_ids() const;
};

// Everything PlanPrune looks at, gathered in one pass over a Store.
struct Inventory {
  std::vector<ImageInventory> images;  // any order; names unique
  std::vector<ContainerRecord> containers;
  gc::GcGraph graph;  // the whole store's reference graph
  // Stored blob sizes. A blob missing here counts its descriptor's size.
  std::map<Digest, int64_t> content_sizes;
  // The snapshotter chain IDs refer to (containerd: the daemon's). Empty:
  // a removed snapshot of any snapshotter matches by key.
  std::string snapshotter;
  // Snapshot usage by chain ID (empty on the embedded store). Missing: 0.
  std::map<std::string, int64_t> snapshot_sizes;
};


// What reclaim reads from one image config blob.
struct ConfigSummary {
  Labels labels;                       // `config.Labels`; absent or null: empty
  std::vector<std::string> diff_ids;   // `rootfs.diff_ids`
  std::vector<std::string> chain_ids;  // ChainIds(diff_ids)
  std::optional<absl::Time> created;   // `created`, when present and RFC 3339
  Platform platform;                   // architecture, os, variant, os.version
};

// Parses a config body with Go's leniency for field-name case; InvalidArgument
// on invalid JSON or a read field of the wrong type (Labels not an object of
// strings, rootfs.diff_ids not an array of strings). A `created` that is not
// RFC 3339 reads as absent.
[[nodiscard]] absl::StatusOr<ConfigSummary> ParseConfigSummary(std::string_view bytes);

// Chain IDs of a layer stack (OCI image-spec identity.ChainIDs).
std::vector<std::string> ChainIds(const std::vector<std::string>& diff_ids);

// Parsed children of manifests/indexes and parsed configs, by digest. When it
// holds more than `max_entries` it is emptied and starts again.
class BlobParseCache {
 public:
  explicit BlobParseCache(size_t max_entries = size_t{1} << 18) : max_entries_(max_entries) {}

  // Children of `desc` (a manifest or index; the media type is part of the key).
  std::shared_ptr<const std::vector<Descriptor>> FindChildren(const Descriptor& desc) const;
  std::shared_ptr<const std::vector<Descriptor>> PutChildren(const Descriptor& desc,
                                                             std::vector<Descriptor> children);
  std::shared_ptr<const ConfigSummary> FindConfig(const Digest& digest) const;
  std::shared_ptr<const ConfigSummary> PutConfig(const Digest& digest, ConfigSummary summary);

  size_t size() const;

 private:
  void MaybeClearLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_entries_;
  mutable Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const std::vector<Descriptor>>> children_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<Digest, std::shared_ptr<const ConfigSummary>> configs_ ABSL_GUARDED_BY(mu_);
};

// A walk visiting more descriptors than this fails (a hostile index listing the
// same manifest many times at several levels would otherwise explode).
inline constexpr size_t kMaxWalkVisits = 1'000'000;

using PresentFn = std::function<bool(const Digest&)>;

// Walks `target` (see the file comment). `present` says which blobs exist;
// `cache` may be null.
TargetWalk WalkTarget(Store& store, const Descriptor& target, const PresentFn& present,
                      BlobParseCache* cache);

struct InventoryOptions {
  int parallelism = 4;  // threads walking targets; <= 1 walks on the caller's thread
  // false: the walks keep no ConfigSummary (TargetWalk::summaries stays empty;
  // configs, labels and chain IDs are kept). The prune needs none.
  bool config_summaries = true;
  // false: Inventory::graph stays empty and the leases are not read (the image
  // list needs no GC graph, and a cached inventory should not hold every
  // content label).
  bool gc_graph = true;
  // The snapshotter whose snapshot sizes count (Inventory::snapshotter). Empty: all.
  std::string snapshotter;
  const CancelToken* cancel = nullptr;  // checked before each target's walk
  BlobParseCache* cache = nullptr;
  // After each target's walk: (targets walked so far, targets). Called from
  // the walking threads, concurrently: it must serialise itself.
  std::function<void(size_t walked, size_t targets)> on_walk;
};

// The walks of a gather, by target digest (the first descriptor seen per digest).
using TargetWalks = std::map<Digest, std::shared_ptr<const TargetWalk>>;

// One pass over `store` (see the file comment). Errors of the bulk reads are
// returned; walk errors are per image (ImageInventory::walk_error). Cancelled
// when `options.cancel` fires. `walks`, when given, receives every walk.
[[nodiscard]] absl::StatusOr<Inventory> GatherInventory(Store& store,
                                                        const InventoryOptions& options,
                                                        TargetWalks* walks = nullptr);

}  // namespace reclaim

#endif  // RECLAIM_SERVICE_INVENTORY_INVENTORY_H_
