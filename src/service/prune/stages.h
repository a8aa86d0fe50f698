// File: service/prune/stages.h
//
// The planner's stages (design.md "The prune pipeline"), the way gc/gc.h
// splits a collection into roots, references and sweep. PlanPrune (plan.h)
// runs them in this order over one PlanState:
//
//   SelectCandidates          §4.1  dangling-only, `until`, labels; counts the
//                                   records of every digest (digestRefCount)
//   ProtectContainerImages    §4.2  every container's dangling record, ID,
//                                   digested reference and name rules
//   KeepLastTagOfUsedDigests  §4.3  the last name of a digest a container uses
//   <extra stages>                  host protections and policy stages (for
//                                   example `reclaim gc`'s last use, keep-N or
//                                   disk budget) are inserted here: they may only
//                                   keep candidates (PlanState::Keep), never add
//                                   one, so nothing `image prune -a` keeps is
//                                   ever pruned
//   DecidePruned              §4 step 4  what is left is pruned unless its walk
//                                   failed; the blob and chain ID lists of each
//                                   pruned image (shared per walk)
//   SelectSnapshotLabelReleases §5.5 configs of pruned images no kept image
//                                   reaches that carry the snapshot label
//   PredictCollection               the one collection after the deletions (and
//                                   the releases), with gc::PredictRemovals
//   AttributeReport                 each vanished blob and snapshot under the
//                                   last pruned image holding it; the report and
//                                   what else the collection frees
//
// Each stage is a free function with its own table test (stages_test.cc). A
// stage reads what the stages before it wrote and writes only its own fields
// (named with the stage below). Stages that finish with a part of a given-up
// inventory (PlanState::owned) free it, so a prune of a large store has a small
// peak of memory; the plan is the same either way.
//
// Thread-safety: a PlanState belongs to one thread.
#ifndef RECLAIM_SERVICE_PRUNE_STAGES_H_
#define RECLAIM_SERVICE_PRUNE_STAGES_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gc/gc.h"
#include "service/prune/plan.h"

namespace reclaim {

// Why a digest is used, from the first container (in ID order) that used it.
struct DigestUse {
  std::string container_id;
  std::string rule;  // "by ID prefix" / "by digest reference"
};

// The blob and chain ID lists of the pruned images of one walk.
struct PrunedLists {
  std::shared_ptr<const std::vector<Digest>> blobs;
  std::shared_ptr<const std::vector<std::string>> chain_ids;
  // Blobs absent from content_sizes, sized by their descriptor (first
  // occurrence): applied per deletion, so the last one in order wins.
  std::vector<std::pair<Digest, int64_t>> unsized;
};

struct PlanState {
  // The records of `inventory` in byte-wise name order: plan.decisions get
  // their names and targets, `rows` the rest. With `owned` (the same object as
  // `inventory`, given up by the caller) names and targets are moved, and the
  // inventory's images are freed.
  PlanState(const Inventory& inventory, Inventory* owned, const PruneOptions& options);

  // Inputs.
  const Inventory& inventory;
  Inventory* const owned;  // null unless the caller gave the inventory up
  const PruneOptions& options;

  // What the stages need of one record besides its decision (parallel to
  // plan.decisions). Freed by SelectSnapshotLabelReleases.
  struct Row {
    absl::Time created_at;
    std::shared_ptr<const TargetWalk> walk;
    absl::Status walk_error;
  };
  std::vector<Row> rows;
  // Parallel to plan.decisions: still to be pruned. SelectCandidates sets it;
  // protecting stages clear it (Keep); DecidePruned reads it last.
  std::vector<bool> candidate;
  // SelectCandidates: image records per target digest, every image counted
  // (keys point into plan.decisions). KeepLastTagOfUsedDigests consumes it.
  absl::flat_hash_map<absl::string_view, int64_t> digest_ref_count;
  // ProtectContainerImages: digests used by ID or by digested reference.
  absl::flat_hash_map<Digest, DigestUse> used;
  // DecidePruned: per pruned decision (in order) its lists (null once
  // PredictCollection has made plan.deletions and freed lists_of); any_unsized
  // when a pruned blob had no stored size.
  std::vector<std::pair<size_t, const PrunedLists*>> pruned;
  absl::flat_hash_map<const TargetWalk*, std::unique_ptr<PrunedLists>> lists_of;
  bool any_unsized = false;
  // SelectSnapshotLabelReleases: the label (empty without a snapshotter) and
  // the configs that may lose it, with the pruned records reaching each.
  std::string snapshot_label;
  std::map<Digest, std::vector<std::string>> release_candidates;
  // PredictCollection: what the collection removes, by key, as gc answers it.
  std::vector<gc::ResourceId> predicted_snapshots;
  std::vector<std::string> unparsed_blobs;  // removed content keys that are no digest

  Plan plan;

  // The first decision named `name` if it is still a candidate.
  std::optional<size_t> FindCandidate(const std::string& name) const;
  // Keeps candidate `index` for `reason`.
  void Keep(size_t index, DecisionReason reason, std::string text, std::string container_id = "");
};

void SelectCandidates(PlanState& state);
void ProtectContainerImages(PlanState& state);
void KeepLastTagOfUsedDigests(PlanState& state);
void DecidePruned(PlanState& state);
void SelectSnapshotLabelReleases(PlanState& state);
void PredictCollection(PlanState& state);
void AttributeReport(PlanState& state);

// Every stage in order, `extra` inserted after KeepLastTagOfUsedDigests; the
// plan is moved out of the state.
Plan RunStages(PlanState& state, const std::vector<PlanStage>& extra);

namespace plan_internal {

// Frees what `x` holds (`x = {}` would keep a vector's capacity).
template <typename T>
void Release(T& x) {
  T empty;
  std::swap(x, empty);
}

// Gives the pages of freed memory back to the system. The walks were built by
// the gathering threads, in their own malloc arenas: what is freed there is not
// reused by the planning thread, and would otherwise stay resident.
void TrimHeap();

// `*list`, or an empty list for null.
template <typename T>
const std::vector<T>& ListOrEmpty(const std::shared_ptr<const std::vector<T>>& list) {
  static const std::vector<T>* const kEmpty = new std::vector<T>();
  return list != nullptr ? *list : *kEmpty;
}

// The first 12 characters of a container ID, as explanations show it.
std::string ShortId(std::string_view id);

// True when `name` is `moby-dangling@` + `target`.
bool IsDanglingName(const std::string& name, const Digest& target);

// The `Untagged` string of a record (see ImageFamiliarName).
std::string FamiliarName(const std::string& name, const Digest& target);

// The attribution of vanished blobs and snapshots to the deleted images (see
// plan.h): the last deleted image in order that holds an item owns it.
struct Attribution {
  std::vector<std::vector<Digest>> blobs;        // per deletion
  std::vector<std::vector<std::string>> snapshots;
  std::vector<uint64_t> bytes;
  // Owner (deletion index) of every attributed blob / snapshot; the keys point
  // into the plan's lists.
  absl::flat_hash_map<absl::string_view, size_t> blob_owner;
  absl::flat_hash_map<absl::string_view, size_t> snapshot_owner;
  Report report;  // without errors
};

// Attribution over the deletions marked in `deleted` (parallel to
// plan.deletions) of what the collection removed.
Attribution Attribute(const Plan& plan, const std::vector<bool>& deleted,
                      const std::set<Digest>& removed_blobs,
                      const std::set<std::string>& removed_chain_ids);

}  // namespace plan_internal

}  // namespace reclaim

#endif  // RECLAIM_SERVICE_PRUNE_STAGES_H_
