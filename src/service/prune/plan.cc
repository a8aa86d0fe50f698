#include "service/prune/plan.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "service/prune/stages.h"

namespace reclaim {

using plan_internal::Attribute;
using plan_internal::Attribution;
using plan_internal::ListOrEmpty;

std::string_view DecisionReasonName(DecisionReason reason) {
  switch (reason) {
    case DecisionReason::kNotDangling:
      return "not_dangling";
    case DecisionReason::kFilteredByUntil:
      return "filtered_by_until";
    case DecisionReason::kFilteredByLabel:
      return "filtered_by_label";
    case DecisionReason::kDanglingRecordInUse:
      return "dangling_record_in_use";
    case DecisionReason::kUsedByName:
      return "used_by_name";
    case DecisionReason::kLastTagOfUsedDigest:
      return "last_tag_of_used_digest";
    case DecisionReason::kUsedByHostContainer:
      return "used_by_host_container";
    case DecisionReason::kSandboxImage:
      return "sandbox_image";
    case DecisionReason::kPinned:
      return "pinned";
    case DecisionReason::kYoungerThanMinAge:
      return "younger_than_min_age";
    case DecisionReason::kSiblingRecordKept:
      return "sibling_record_kept";
    case DecisionReason::kWalkFailed:
      return "walk_failed";
    case DecisionReason::kDangling:
      return "dangling";
    case DecisionReason::kUnused:
      return "unused";
  }
  return "unknown";
}

std::vector<std::string> Plan::NamesToDelete() const {
  std::vector<std::string> names;
  names.reserve(deletions.size());
  for (const PlannedDeletion& d : deletions) names.push_back(d.name);
  return names;
}


bool IsDanglingImage(const ImageRecord& image) {
  return plan_internal::IsDanglingName(image.name, image.target.digest);
}

uint64_t Plan::LeftoverBytes() const {
  uint64_t total = 0;
  for (const CollectableBlob& b : other_collectable_blobs) total += static_cast<uint64_t>(b.size);
  for (const CollectableSnapshot& s : other_collectable_snapshots) {
    total += static_cast<uint64_t>(s.size);
  }
  return total;
}

std::string ImageFamiliarName(const ImageRecord& image) {
  return plan_internal::FamiliarName(image.name, image.target.digest);
}

Plan PlanPrune(const Inventory& inventory, const PruneOptions& options,
               const std::vector<PlanStage>& extra_stages) {
  PlanState state(inventory, nullptr, options);
  return RunStages(state, extra_stages);
}

Plan PlanPrune(Inventory&& inventory, const PruneOptions& options,
               const std::vector<PlanStage>& extra_stages) {
  Plan plan;
  {
    PlanState state(inventory, &inventory, options);
    plan = RunStages(state, extra_stages);
  }
  inventory = Inventory();
  plan_internal::TrimHeap();
  return plan;
}

namespace {

// True when `outcome` is every planned deletion, in order, each OK or NotFound.
bool AllDeletedAsPlanned(const Plan& plan, const std::vector<ImageDeletion>& outcome) {
  if (outcome.size() != plan.deletions.size()) return false;
  for (size_t i = 0; i < outcome.size(); ++i) {
    if (outcome[i].name != plan.deletions[i].name) return false;
    const absl::Status& status = outcome[i].status;
    if (!status.ok() && !absl::IsNotFound(status)) return false;
  }
  return true;
}

}  // namespace

Report BuildReport(const Plan& plan, const std::vector<ImageDeletion>& outcome,
                   const std::set<Digest>& removed_blobs,
                   const std::set<std::string>& removed_chain_ids) {
  // As planned: the plan's attribution is the answer.
  if (AllDeletedAsPlanned(plan, outcome) && removed_blobs == plan.predicted_removed_blobs &&
      removed_chain_ids == plan.predicted_removed_snapshots) {
    return plan.report;
  }
  absl::flat_hash_map<absl::string_view, const absl::Status*> status_of;
  status_of.reserve(outcome.size());
  for (const ImageDeletion& d : outcome) status_of[absl::string_view(d.name)] = &d.status;

  std::vector<bool> deleted(plan.deletions.size(), false);
  std::vector<ImageError> errors = plan.errors;
  for (size_t i = 0; i < plan.deletions.size(); ++i) {
    auto it = status_of.find(absl::string_view(plan.deletions[i].name));
    if (it == status_of.end()) continue;
    const absl::Status& status = *it->second;
    if (status.ok() || absl::IsNotFound(status)) {
      deleted[i] = true;
    } else {
      errors.push_back(ImageError{plan.deletions[i].name, status});
    }
  }
  std::stable_sort(errors.begin(), errors.end(),
                   [](const ImageError& a, const ImageError& b) { return a.name < b.name; });
  Attribution attribution = Attribute(plan, deleted, removed_blobs, removed_chain_ids);
  Report report = std::move(attribution.report);
  report.errors = std::move(errors);
  return report;
}

Report BuildReport(const Plan& plan, const BatchDeleteResult& batch,
                   const std::string& snapshotter) {
  std::set<std::string> removed_chain_ids;
  for (const SnapshotUsage& s : batch.collected.removed_snapshots) {
    if (snapshotter.empty() || s.snapshotter == snapshotter) removed_chain_ids.insert(s.key);
  }
  const std::vector<ContentInfo>& removed = batch.collected.removed_content;
  // The common case without building a set: the removals, sorted and unique,
  // are exactly the predicted ones.
  if (AllDeletedAsPlanned(plan, batch.deletions) &&
      removed_chain_ids == plan.predicted_removed_snapshots &&
      removed.size() == plan.predicted_removed_blobs.size() &&
      std::equal(removed.begin(), removed.end(), plan.predicted_removed_blobs.begin(),
                 [](const ContentInfo& c, const Digest& d) { return c.digest == d; })) {
    return plan.report;
  }
  std::set<Digest> removed_blobs;
  for (const ContentInfo& c : removed) removed_blobs.insert(c.digest);
  return BuildReport(plan, batch.deletions, removed_blobs, removed_chain_ids);
}

bool operator==(const PlannedDeletion& a, const PlannedDeletion& b) {
  return a.name == b.name && a.untagged == b.untagged &&
         ListOrEmpty(a.blobs) == ListOrEmpty(b.blobs) &&
         ListOrEmpty(a.chain_ids) == ListOrEmpty(b.chain_ids);
}

}  // namespace reclaim
