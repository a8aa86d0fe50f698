// The planner's stages after the decisions (stages.h): what is pruned, the
// snapshot labels released (§5.5) and the predicted collection.
#include "service/prune/stages.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"

namespace reclaim {
namespace {

using plan_internal::IsDanglingName;
using plan_internal::Release;
using plan_internal::TrimHeap;

// The lists of the pruned images of `walk`, made once per walk.
const PrunedLists* ListsOf(PlanState& state, const TargetWalk* walk) {
  auto [it, inserted] = state.lists_of.try_emplace(walk);
  if (!inserted) return it->second.get();
  it->second = std::make_unique<PrunedLists>();
  PrunedLists& lists = *it->second;
  auto blobs = std::make_shared<std::vector<Digest>>();
  auto chains = std::make_shared<std::vector<std::string>>();
  if (walk != nullptr) {
    const Inventory& inventory = state.inventory;
    absl::flat_hash_set<absl::string_view> seen_blobs;
    for (const Descriptor& desc : walk->descriptors) {
      if (!seen_blobs.insert(absl::string_view(desc.digest.str())).second) continue;
      blobs->push_back(desc.digest);
      auto size = inventory.content_sizes.find(desc.digest);
      if (size != inventory.content_sizes.end()) {
        state.plan.blob_sizes.insert_or_assign(desc.digest, size->second);
      } else {
        lists.unsized.emplace_back(desc.digest, desc.size);
        state.any_unsized = true;
      }
    }
    absl::flat_hash_set<absl::string_view> seen_chains;
    for (const std::string& chain : walk->chain_ids) {
      if (!seen_chains.insert(absl::string_view(chain)).second) continue;
      chains->push_back(chain);
      auto size = inventory.snapshot_sizes.find(chain);
      state.plan.snapshot_sizes[chain] = size == inventory.snapshot_sizes.end() ? 0 : size->second;
    }
  }
  lists.blobs = std::move(blobs);
  lists.chain_ids = std::move(chains);
  return &lists;
}

}  // namespace

void DecidePruned(PlanState& state) {
  Plan& plan = state.plan;
  for (size_t index = 0; index < plan.decisions.size(); ++index) {
    if (!state.candidate[index]) continue;
    Decision& decision = plan.decisions[index];
    const PlanState::Row& row = state.rows[index];
    if (!row.walk_error.ok()) {
      decision.reason = DecisionReason::kWalkFailed;
      decision.text = "walk failed: " + std::string(row.walk_error.message());
      plan.errors.push_back(ImageError{decision.name, row.walk_error});
      continue;
    }
    decision.prune = true;
    if (state.options.dangling_only || IsDanglingName(decision.name, decision.target)) {
      decision.reason = DecisionReason::kDangling;
      decision.text = "dangling image";
    } else {
      decision.reason = DecisionReason::kUnused;
      decision.text = "unused (-a)";
    }
    state.pruned.emplace_back(index, ListsOf(state, row.walk.get()));
  }
  std::stable_sort(plan.errors.begin(), plan.errors.end(),
                   [](const ImageError& a, const ImageError& b) { return a.name < b.name; });
}

void SelectSnapshotLabelReleases(PlanState& state) {
  const Inventory& inventory = state.inventory;
  Plan& plan = state.plan;
  const size_t n = plan.decisions.size();
  state.snapshot_label = inventory.snapshotter.empty()
                             ? ""
                             : std::string(gc::kLabelSnapshotRef) + inventory.snapshotter;
  if (!state.snapshot_label.empty()) {
    absl::flat_hash_set<absl::string_view> kept_configs;
    std::vector<bool> is_pruned(n, false);
    for (const auto& [index, lists] : state.pruned) is_pruned[index] = true;
    for (size_t i = 0; i < n; ++i) {
      if (is_pruned[i] || state.rows[i].walk == nullptr) continue;
      for (const ConfigLabels& c : state.rows[i].walk->configs) {
        kept_configs.insert(absl::string_view(c.digest.str()));
      }
    }
    for (const auto& [index, lists] : state.pruned) {
      if (state.rows[index].walk == nullptr) continue;
      for (const ConfigLabels& c : state.rows[index].walk->configs) {
        if (kept_configs.contains(absl::string_view(c.digest.str()))) continue;
        auto content = inventory.graph.content.find(c.digest.str());
        if (content == inventory.graph.content.end() ||
            !content->second.labels.contains(state.snapshot_label)) {
          continue;
        }
        std::vector<std::string>& images = state.release_candidates[c.digest];
        if (images.empty() || images.back() != plan.decisions[index].name) {
          images.push_back(plan.decisions[index].name);
        }
      }
    }
  }
  // The last stage reading the walks frees them (unless the caller keeps the
  // inventory).
  Release(state.rows);
  Release(state.candidate);
  if (state.owned != nullptr) TrimHeap();
}

void PredictCollection(PlanState& state) {
  const Inventory& inventory = state.inventory;
  Plan& plan = state.plan;
  // The deletions PruneService makes, in name order.
  if (state.any_unsized) {
    for (const auto& [index, lists] : state.pruned) {
      for (const auto& [digest, size] : lists->unsized) plan.blob_sizes[digest] = size;
    }
  }
  plan.deletions.reserve(state.pruned.size());
  for (const auto& [index, lists] : state.pruned) {
    const Decision& decision = plan.decisions[index];
    PlannedDeletion deletion;
    deletion.name = decision.name;
    deletion.untagged = plan_internal::FamiliarName(decision.name, decision.target);
    deletion.blobs = lists->blobs;
    deletion.chain_ids = lists->chain_ids;
    plan.deletions.push_back(std::move(deletion));
  }
  Release(state.lists_of);
  for (auto& entry : state.pruned) entry.second = nullptr;  // freed with lists_of

  gc::GcResult predicted;
  {
    std::set<std::string> deleted_names;
    for (const PlannedDeletion& d : plan.deletions) {
      deleted_names.insert(deleted_names.end(), d.name);
    }
    if (state.release_candidates.empty()) {
      predicted = gc::PredictRemovals(inventory.graph, deleted_names, state.options.now);
    } else {
      // The graph as the collection will see it: without the released labels.
      std::optional<gc::GcGraph> copy;
      gc::GcGraph* graph =
          state.owned != nullptr ? &state.owned->graph : &copy.emplace(inventory.graph);
      for (const auto& [config, images] : state.release_candidates) {
        graph->content[config.str()].labels.erase(state.snapshot_label);
      }
      predicted = gc::PredictRemovals(*graph, deleted_names, state.options.now);
    }
  }
  // A config the collection removes anyway needs no release.
  for (auto& [config, images] : state.release_candidates) {
    if (std::binary_search(predicted.removed_content.begin(), predicted.removed_content.end(),
                           config.str())) {
      continue;
    }
    plan.snapshot_label_releases.push_back(
        SnapshotLabelRelease{config, state.snapshot_label, std::move(images)});
  }
  Release(state.release_candidates);
  Release(predicted.live);
  if (state.owned != nullptr) Release(state.owned->graph);
  for (const std::string& key : predicted.removed_content) {
    absl::StatusOr<Digest> d = Digest::Parse(key);
    if (d.ok()) {
      plan.predicted_removed_blobs.insert(plan.predicted_removed_blobs.end(), *std::move(d));
    } else {
      state.unparsed_blobs.push_back(key);
    }
  }
  Release(predicted.removed_content);
  for (const gc::ResourceId& s : predicted.removed_snapshots) {
    if (inventory.snapshotter.empty() || s.snapshotter == inventory.snapshotter) {
      plan.predicted_removed_snapshots.insert(s.key);
    }
  }
  state.predicted_snapshots = std::move(predicted.removed_snapshots);
}

}  // namespace reclaim
