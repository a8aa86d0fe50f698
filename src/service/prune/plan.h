// File: service/prune/plan.h
//
// The pure core of `docker image prune` (specs/prune.md §4, §5; design.md "The
// prune pipeline"): given an Inventory of the store and the PruneOptions,
// PlanPrune decides for every image whether it is pruned and why, predicts what
// the one collection after the deletions removes, and builds the report the
// prune will answer. It reads no clock and does no I/O, so the plan is the
// dry-run answer and the explanation of every decision.
//
//   RECLAIM_ASSIGN_OR_RETURN(PruneOptions opts, ParsePruneOptions(filters, now, zone));
//   Plan plan = PlanPrune(inventory, opts);             // dry-run: plan.report
//   ... store.collector().DeleteImagesAndCollect(plan.NamesToDelete()) ...
//   Report r = BuildReport(plan, result.deletions, removed_blobs, removed_chain_ids);
//
// The planner is a sequence of stages over one PlanState (stages.h), one
// function per step below. Decisions, in moby's order:
//   1. candidates (§4.1): with dangling_only, only records named
//      `moby-dangling@<their own target digest>`; then `until` (created_at
//      strictly before every until) and the label checks (any non-attestation
//      present config satisfying all checks; an image without such a config,
//      or whose walk failed, never matches). digestRefCount counts every image.
//   2. container protection (§4.2), every container: its `moby-dangling@<ImageID>`
//      record; the ID rule (ImageID starts with `sha256:`+Config.Image without
//      `sha256:`, an empty Config.Image included) and the digested-reference
//      rule (Config.Image ends with `@<ImageID>`) mark the digest used; the name
//      rule protects TagNameOnly(ParseNormalizedNamed(Config.Image)) and, for
//      `repo:tag@digest`, also `repo:tag`.
//   3. keep-last-tag (§4.3): candidates in byte-wise name order; while the
//      digest's count is above 1 the name is pruned and the count drops; the
//      last one of a used digest is kept.
//   4. a remaining candidate whose inventory walk failed is not pruned; its
//      error goes to `errors` (moby: walk error, image skipped, others go on).
//
// Snapshot labels (§5.5): with a snapshotter, configs of pruned images that no
// kept image reaches lose their `containerd.io/gc.ref.snapshot.<snapshotter>`
// label before the collection (Plan::snapshot_label_releases), and the
// prediction counts the snapshots that frees.
//
// Byte accounting (reclaim's deterministic report, design.md): the collection
// after deleting the pruned records is predicted with gc::PredictRemovals.
// Each vanished blob is reported (`Deleted`) and counted once, under the LAST
// pruned image in sorted name order whose present descriptors include it:
// moby deletes one image at a time and a shared blob only vanishes with the
// last image holding it. Within an image, `Deleted` items follow walk order
// (first occurrence). Vanished snapshots of the images' chain IDs are counted
// once the same way (they have no report item). Blobs and snapshots the
// collection frees that no pruned image reaches are not counted (moby does not
// either) and are listed in `other_collectable_*`. Unlike moby ≥ 29.0 every
// vanished blob gets a `Deleted` item, not only manifests and indexes (the
// seed's behaviour, prune.md §10).
//
// Thread-safety: value types and pure functions.
#ifndef RECLAIM_SERVICE_PRUNE_PLAN_H_
#define RECLAIM_SERVICE_PRUNE_PLAN_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/descriptor.h"
#include "core/digest.h"
#include "gc/gc.h"
#include "service/inventory/inventory.h"
#include "service/prune/options.h"
#include "service/prune/report.h"
#include "store/store.h"

namespace reclaim {

enum class DecisionReason {
  kNotDangling,          // dangling-only mode and the image is not a dangling record
  kFilteredByUntil,      // created_at not strictly before an `until`
  kFilteredByLabel,      // no present config satisfies the label checks
  kDanglingRecordInUse,  // `moby-dangling@D`, D the ImageID of a container
  kUsedByName,           // the name rule of a container
  kLastTagOfUsedDigest,  // last name of a digest a container uses by ID or digest
  // Host profile protections (hosts/): each only keeps a candidate.
  kUsedByHostContainer,  // a container of the host's own sources (CRI, Docker's leases)
  kSandboxImage,         // Kubernetes: the sandbox (pause) image
  kPinned,               // Kubernetes: labelled io.cri-containerd.pinned=pinned
  kYoungerThanMinAge,    // the record is younger than --min-age
  kSiblingRecordKept,    // Kubernetes: another record of its image is kept
  kWalkFailed,           // would be pruned, but its walk failed
  kDangling,             // pruned: dangling record
  kUnused,               // pruned: unused image (-a)
};

// Stable identifiers: "not_dangling", "filtered_by_until", "filtered_by_label",
// "dangling_record_in_use", "used_by_name", "last_tag_of_used_digest",
// "used_by_host_container", "sandbox_image", "pinned", "younger_than_min_age",
// "sibling_record_kept", "walk_failed", "dangling", "unused".
std::string_view DecisionReasonName(DecisionReason reason);

struct Decision {
  std::string name;  // stored name
  Digest target;
  bool prune = false;
  DecisionReason reason = DecisionReason::kNotDangling;
  // Human text, e.g. "used by container 3f2a1b4c5d6e (by name busybox)".
  std::string text;
  // The protecting container, for the three container reasons.
  std::string container_id;
  // Pruned images: the vanishing blobs and snapshots attributed to this image
  // (report order) and their bytes.
  std::vector<Digest> deleted_blobs;
  std::vector<std::string> deleted_snapshots;
  uint64_t reclaimed_bytes = 0;

  friend bool operator==(const Decision&, const Decision&) = default;
};

// An image the plan deletes, with what BuildReport needs to attribute. The
// blob and chain ID lists are shared by the deletions of one walk.
struct PlannedDeletion {
  std::string name;      // stored name
  std::string untagged;  // the `Untagged` string (digest for a dangling record)
  // Present blobs, walk order, first occurrences. Never null in a plan.
  std::shared_ptr<const std::vector<Digest>> blobs;
  // Chain IDs, unique, in order. Never null in a plan.
  std::shared_ptr<const std::vector<std::string>> chain_ids;

  // Equal names and lists (the lists by value; null equals empty).
  friend bool operator==(const PlannedDeletion& a, const PlannedDeletion& b);
};

struct CollectableBlob {
  std::string digest;
  int64_t size = 0;
  friend bool operator==(const CollectableBlob&, const CollectableBlob&) = default;
};

struct CollectableSnapshot {
  std::string snapshotter;
  std::string key;
  int64_t size = 0;
  friend bool operator==(const CollectableSnapshot&, const CollectableSnapshot&) = default;
};

// A config whose `containerd.io/gc.ref.snapshot.<snapshotter>` label the
// prune removes between its deletions and its collection (specs/prune.md §5.5,
// kept from the seed on containerd): a config of a pruned image that no kept
// image reaches, that carries the label, and that the collection would not
// remove anyway (something else, such as a lease or `containerd.io/gc.root`,
// holds it), so that the unpacked snapshot it pins goes with the prune.
struct SnapshotLabelRelease {
  Digest config;
  std::string label;                // the label key
  std::vector<std::string> images;  // the pruned records reaching it (stored names, sorted)
  friend bool operator==(const SnapshotLabelRelease&, const SnapshotLabelRelease&) = default;
};

struct Plan {
  std::vector<Decision> decisions;                // every image, sorted by name
  std::vector<PlannedDeletion> deletions;         // prune == true, sorted by name
  std::vector<ImageError> errors;                 // kWalkFailed images, sorted by name
  std::map<Digest, int64_t> blob_sizes;           // every blob of `deletions`
  std::map<std::string, int64_t> snapshot_sizes;  // every chain ID of `deletions`
  // The predicted collection: removed content (sha256 digests) and removed
  // snapshots of the inventory's snapshotter (keys = chain IDs).
  std::set<Digest> predicted_removed_blobs;
  std::set<std::string> predicted_removed_snapshots;
  // Removed by the collection but reached by no pruned image; not counted.
  std::vector<CollectableBlob> other_collectable_blobs;          // sorted by digest
  std::vector<CollectableSnapshot> other_collectable_snapshots;  // sorted
  // Labels released before the collection (sorted by config); the prediction
  // above assumes them removed. Empty without a snapshotter (the embedded store).
  std::vector<SnapshotLabelRelease> snapshot_label_releases;
  // The report if everything goes as planned (the dry-run answer).
  Report report;

  // Names of `deletions`, in order: what PruneService deletes.
  std::vector<std::string> NamesToDelete() const;
  // The bytes of other_collectable_blobs and _snapshots: what the collection
  // frees that no pruned image accounts for (Report::leftover_reclaimed).
  uint64_t LeftoverBytes() const;
};

// True when `image.name` is `moby-dangling@` + its own target digest.
bool IsDanglingImage(const ImageRecord& image);

// The `Untagged` string: the target digest for a dangling record, else
// FamiliarizeStoredName(name).
std::string ImageFamiliarName(const ImageRecord& image);

// A stage of the planner over its state (service/prune/stages.h).
struct PlanState;
using PlanStage = std::function<void(PlanState&)>;

// The whole plan (see the file comment): the stages of stages.h, with
// `extra_stages` (host protections, policy stages) run after keep-last-tag.
Plan PlanPrune(const Inventory& inventory, const PruneOptions& options,
               const std::vector<PlanStage>& extra_stages = {});

// The same plan from an inventory given up by the caller: its parts are freed
// as soon as the plan no longer needs them (a smaller peak of memory). The
// inventory is left empty.
Plan PlanPrune(Inventory&& inventory, const PruneOptions& options,
               const std::vector<PlanStage>& extra_stages = {});

// The report after the real deletion and collection. `outcome`: per deleted
// name its status (OK or NotFound: deleted; anything else: failed, no report
// item, error collected; a planned name absent from `outcome` was not
// attempted: no item, no error). `removed_blobs` / `removed_chain_ids`: what
// the collection really removed. Attribution as in PlanPrune, over the images
// actually deleted. With every planned name OK or NotFound and the predicted
// removals, it is plan.report (returned without attributing again).
Report BuildReport(const Plan& plan, const std::vector<ImageDeletion>& outcome,
                   const std::set<Digest>& removed_blobs,
                   const std::set<std::string>& removed_chain_ids);

// BuildReport from what DeleteImagesAndCollect answered: removed content, and
// removed snapshots of `snapshotter` (empty: of any snapshotter).
Report BuildReport(const Plan& plan, const BatchDeleteResult& batch,
                   const std::string& snapshotter);

}  // namespace reclaim

#endif  // RECLAIM_SERVICE_PRUNE_PLAN_H_
