// The last stage of the planner (stages.h): vanished blobs and snapshots
// attributed to the pruned images, the report, and what else the collection
// frees. BuildReport (plan.cc) attributes again over what really happened.
#include <algorithm>

#include "service/prune/stages.h"

namespace reclaim {
namespace plan_internal {
namespace {

uint64_t NonNegative(int64_t size) { return size > 0 ? static_cast<uint64_t>(size) : 0; }

absl::string_view Key(const Digest& d) { return absl::string_view(d.str()); }
absl::string_view Key(const std::string& s) { return absl::string_view(s); }

// Fills `owner` for the items of `lists` (list -> its last deleted user) that
// `removed` holds.
template <typename T, typename Set>
void Owners(const absl::flat_hash_map<const std::vector<T>*, size_t>& lists, const Set& removed,
            absl::flat_hash_map<absl::string_view, size_t>& owner) {
  for (const auto& [list, last] : lists) {
    for (const T& item : *list) {
      if (!removed.contains(item)) continue;
      auto [it, inserted] = owner.try_emplace(Key(item), last);
      if (!inserted && it->second < last) it->second = last;
    }
  }
}

}  // namespace

// Deletions of one walk share their lists, so an item's owner is the largest
// "last deleted user" of the lists holding it, and only that last user of a
// list can own any of its items: each distinct list is scanned once.
Attribution Attribute(const Plan& plan, const std::vector<bool>& deleted,
                      const std::set<Digest>& removed_blobs,
                      const std::set<std::string>& removed_chain_ids) {
  const size_t n = plan.deletions.size();
  // Each distinct list with its last deleted user.
  absl::flat_hash_map<const std::vector<Digest>*, size_t> blob_lists;
  absl::flat_hash_map<const std::vector<std::string>*, size_t> chain_lists;
  for (size_t i = 0; i < n; ++i) {
    if (!deleted[i]) continue;
    blob_lists[&ListOrEmpty(plan.deletions[i].blobs)] = i;
    chain_lists[&ListOrEmpty(plan.deletions[i].chain_ids)] = i;
  }
  Attribution out;
  Owners(blob_lists, removed_blobs, out.blob_owner);
  Owners(chain_lists, removed_chain_ids, out.snapshot_owner);

  out.blobs.resize(n);
  out.snapshots.resize(n);
  out.bytes.assign(n, 0);
  size_t items = 0;
  for (size_t i = 0; i < n; ++i) items += deleted[i] ? 1 : 0;
  out.report.images_deleted.reserve(items + out.blob_owner.size());
  for (size_t i = 0; i < n; ++i) {
    if (!deleted[i]) continue;
    const PlannedDeletion& del = plan.deletions[i];
    out.report.images_deleted.push_back(ReportItem::Untagged(del.untagged));
    const std::vector<Digest>& blobs = ListOrEmpty(del.blobs);
    if (blob_lists.at(&blobs) == i) {
      for (const Digest& d : blobs) {
        auto it = out.blob_owner.find(Key(d));
        if (it == out.blob_owner.end() || it->second != i) continue;
        out.blobs[i].push_back(d);
        auto size = plan.blob_sizes.find(d);
        out.bytes[i] += size == plan.blob_sizes.end() ? 0 : NonNegative(size->second);
        out.report.images_deleted.push_back(ReportItem::Deleted(d.str()));
      }
    }
    const std::vector<std::string>& chains = ListOrEmpty(del.chain_ids);
    if (chain_lists.at(&chains) == i) {
      for (const std::string& c : chains) {
        auto it = out.snapshot_owner.find(Key(c));
        if (it == out.snapshot_owner.end() || it->second != i) continue;
        out.snapshots[i].push_back(c);
        auto size = plan.snapshot_sizes.find(c);
        out.bytes[i] += size == plan.snapshot_sizes.end() ? 0 : NonNegative(size->second);
      }
    }
    out.report.space_reclaimed += out.bytes[i];
  }
  return out;
}

}  // namespace plan_internal

void AttributeReport(PlanState& state) {
  const Inventory& inventory = state.inventory;
  Plan& plan = state.plan;
  const std::vector<bool> all_deleted(plan.deletions.size(), true);
  plan_internal::Attribution attribution = plan_internal::Attribute(
      plan, all_deleted, plan.predicted_removed_blobs, plan.predicted_removed_snapshots);
  for (size_t i = 0; i < plan.deletions.size(); ++i) {
    Decision& decision = plan.decisions[state.pruned[i].first];
    decision.deleted_blobs = std::move(attribution.blobs[i]);
    decision.deleted_snapshots = std::move(attribution.snapshots[i]);
    decision.reclaimed_bytes = attribution.bytes[i];
  }
  plan.report = std::move(attribution.report);
  plan.report.errors = plan.errors;
  for (const SnapshotLabelRelease& r : plan.snapshot_label_releases) {
    plan.report.snapshot_labels_released.push_back(r.config);
  }

  // What the collection frees beyond the pruned images.
  for (const Digest& d : plan.predicted_removed_blobs) {
    if (attribution.blob_owner.contains(plan_internal::Key(d))) continue;
    auto size = inventory.content_sizes.find(d);
    plan.other_collectable_blobs.push_back(
        {d.str(), size == inventory.content_sizes.end() ? 0 : size->second});
  }
  for (const std::string& key : state.unparsed_blobs) {
    plan.other_collectable_blobs.push_back({key, 0});
  }
  std::sort(plan.other_collectable_blobs.begin(), plan.other_collectable_blobs.end(),
            [](const CollectableBlob& a, const CollectableBlob& b) { return a.digest < b.digest; });
  for (const gc::ResourceId& s : state.predicted_snapshots) {
    const bool ours = inventory.snapshotter.empty() || s.snapshotter == inventory.snapshotter;
    if (ours && attribution.snapshot_owner.contains(plan_internal::Key(s.key))) continue;
    int64_t size = 0;
    if (ours) {
      auto it = inventory.snapshot_sizes.find(s.key);
      if (it != inventory.snapshot_sizes.end()) size = it->second;
    }
    plan.other_collectable_snapshots.push_back({s.snapshotter, s.key, size});
  }
}

}  // namespace reclaim
