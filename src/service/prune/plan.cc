#include "service/prune/plan.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "core/reference.h"
#include "core/timestamp.h"

namespace reclaim {
namespace {

constexpr std::string_view kSha256Prefix = "sha256:";

std::string ShortId(std::string_view id) { return std::string(id.substr(0, 12)); }

uint64_t NonNegative(int64_t size) { return size > 0 ? static_cast<uint64_t>(size) : 0; }

// Why a digest is used, from the first container (in ID order) that used it.
struct DigestUse {
  std::string container_id;
  std::string rule;  // "by ID prefix" / "by digest reference"
};

// The label predicate of one image (§2.2).
bool ImageMatchesLabels(const ImageInventory& image, const std::vector<LabelCheck>& checks,
                        std::string* detail) {
  if (!image.walk_error.ok()) {
    *detail = " (walk failed: " + std::string(image.walk_error.message()) + ")";
    return false;
  }
  bool any_config = false;
  for (const ConfigLabels& config : image.configs) {
    if (config.attestation) continue;
    any_config = true;
    if (ConfigMatchesLabels(config.labels, checks)) return true;
  }
  if (!any_config) *detail = " (no present image config)";
  return false;
}

// Attribution of vanished blobs and snapshots to the deleted images (see the
// header): the last deleted image in order that holds an item owns it.
struct Attribution {
  std::vector<std::vector<Digest>> blobs;
  std::vector<std::vector<std::string>> snapshots;
  std::vector<uint64_t> bytes;
  std::set<Digest> owned_blobs;
  std::set<std::string> owned_snapshots;
  Report report;  // without errors
};

Attribution Attribute(const Plan& plan, const std::vector<bool>& deleted,
                      const std::set<Digest>& removed_blobs,
                      const std::set<std::string>& removed_chain_ids) {
  const size_t n = plan.deletions.size();
  std::map<Digest, size_t> blob_owner;
  std::map<std::string, size_t> snapshot_owner;
  for (size_t i = 0; i < n; ++i) {
    if (!deleted[i]) continue;
    for (const Digest& d : plan.deletions[i].blobs) {
      if (removed_blobs.contains(d)) blob_owner[d] = i;
    }
    for (const std::string& c : plan.deletions[i].chain_ids) {
      if (removed_chain_ids.contains(c)) snapshot_owner[c] = i;
    }
  }
  Attribution out;
  out.blobs.resize(n);
  out.snapshots.resize(n);
  out.bytes.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (!deleted[i]) continue;
    const PlannedDeletion& del = plan.deletions[i];
    out.report.images_deleted.push_back(ReportItem::Untagged(del.untagged));
    for (const Digest& d : del.blobs) {
      auto it = blob_owner.find(d);
      if (it == blob_owner.end() || it->second != i) continue;
      out.blobs[i].push_back(d);
      out.owned_blobs.insert(d);
      auto size = plan.blob_sizes.find(d);
      out.bytes[i] += size == plan.blob_sizes.end() ? 0 : NonNegative(size->second);
      out.report.images_deleted.push_back(ReportItem::Deleted(d.str()));
    }
    for (const std::string& c : del.chain_ids) {
      auto it = snapshot_owner.find(c);
      if (it == snapshot_owner.end() || it->second != i) continue;
      out.snapshots[i].push_back(c);
      out.owned_snapshots.insert(c);
      auto size = plan.snapshot_sizes.find(c);
      out.bytes[i] += size == plan.snapshot_sizes.end() ? 0 : NonNegative(size->second);
    }
    out.report.space_reclaimed += out.bytes[i];
  }
  return out;
}

void SortErrors(std::vector<ImageError>& errors) {
  std::stable_sort(errors.begin(), errors.end(),
                   [](const ImageError& a, const ImageError& b) { return a.name < b.name; });
}

}  // namespace

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
  const std::string& name = image.name;
  const std::string& digest = image.target.digest.str();
  return name.size() == kDanglingPrefix.size() + digest.size() &&
         name.starts_with(kDanglingPrefix) && name.ends_with(digest);
}

std::string ImageFamiliarName(const ImageRecord& image) {
  if (IsDanglingImage(image)) return image.target.digest.str();
  return FamiliarizeStoredName(image.name);
}

Plan PlanPrune(const Inventory& inventory, const PruneOptions& options) {
  Plan plan;

  // Images in byte-wise name order; decisions follow it.
  std::vector<const ImageInventory*> images;
  images.reserve(inventory.images.size());
  for (const ImageInventory& image : inventory.images) images.push_back(&image);
  std::stable_sort(images.begin(), images.end(),
                   [](const ImageInventory* a, const ImageInventory* b) {
                     return a->record.name < b->record.name;
                   });

  plan.decisions.resize(images.size());
  std::map<std::string, size_t> index_of;  // name -> decision index
  std::map<Digest, int64_t> digest_ref_count;
  // Candidates by name (sorted): decision index.
  std::map<std::string, size_t> candidates;

  // §4.1 candidates and the predicate.
  for (size_t i = 0; i < images.size(); ++i) {
    const ImageRecord& record = images[i]->record;
    Decision& decision = plan.decisions[i];
    decision.name = record.name;
    decision.target = record.target.digest;
    index_of.emplace(record.name, i);
    ++digest_ref_count[record.target.digest];

    if (options.dangling_only && !IsDanglingImage(record)) {
      decision.reason = DecisionReason::kNotDangling;
      decision.text = "not dangling (use -a to prune tagged images)";
      continue;
    }
    const absl::Time* failed_until = nullptr;
    for (const absl::Time& until : options.until) {
      if (!(record.created_at < until)) {
        failed_until = &until;
        break;
      }
    }
    if (failed_until != nullptr) {
      decision.reason = DecisionReason::kFilteredByUntil;
      decision.text = "filtered out by until (created " + FormatRfc3339Nano(record.created_at) +
                      " is not before " + FormatRfc3339Nano(*failed_until) + ")";
      continue;
    }
    if (!options.label_checks.empty()) {
      std::string detail;
      if (!ImageMatchesLabels(*images[i], options.label_checks, &detail)) {
        decision.reason = DecisionReason::kFilteredByLabel;
        decision.text = "filtered out by label" + detail;
        continue;
      }
    }
    candidates.emplace(record.name, i);
  }

  // §4.2 containers, in ID order so that reasons are deterministic.
  std::vector<const ContainerRecord*> containers;
  containers.reserve(inventory.containers.size());
  for (const ContainerRecord& c : inventory.containers) containers.push_back(&c);
  std::stable_sort(
      containers.begin(), containers.end(),
      [](const ContainerRecord* a, const ContainerRecord* b) { return a->id < b->id; });

  const auto protect = [&](const std::string& name, DecisionReason reason, std::string text,
                           const std::string& container_id) {
    auto it = candidates.find(name);
    if (it == candidates.end()) return;
    Decision& decision = plan.decisions[it->second];
    decision.reason = reason;
    decision.text = std::move(text);
    decision.container_id = container_id;
    candidates.erase(it);
  };

  std::map<Digest, DigestUse> used;
  for (const ContainerRecord* container : containers) {
    const Digest& image_id = container->image_id;
    const std::string& config_image = container->image;
    if (image_id.valid()) {
      // Rule 1: its dangling record.
      protect(std::string(kDanglingPrefix) + image_id.str(), DecisionReason::kDanglingRecordInUse,
              "dangling record of an image container " + ShortId(container->id) + " uses",
              container->id);
      // Rule 2: ID or ID prefix, with or without `sha256:`.
      std::string_view id_text = config_image;
      if (id_text.starts_with(kSha256Prefix)) id_text.remove_prefix(kSha256Prefix.size());
      const std::string normalized = std::string(kSha256Prefix) + std::string(id_text);
      if (image_id.str().starts_with(normalized)) {
        used.emplace(image_id, DigestUse{container->id, "by ID prefix"});
      }
      // Rule 3: a digested reference to exactly this digest.
      if (config_image.ends_with("@" + image_id.str())) {
        used.emplace(image_id, DigestUse{container->id, "by digest reference"});
      }
    }
    // Rule 4: the name it was created from.
    absl::StatusOr<Reference> ref = ParseNormalizedNamed(config_image);
    if (ref.ok()) {
      const std::string text =
          "used by container " + ShortId(container->id) + " (by name " + config_image + ")";
      protect(TagNameOnly(*ref).String(), DecisionReason::kUsedByName, text, container->id);
      if (ref->HasTag() && ref->HasDigest()) {
        protect(ref->Name() + ":" + ref->Tag(), DecisionReason::kUsedByName, text, container->id);
      }
    }
  }

  // §4.3 keep the last name of a used digest.
  for (auto it = candidates.begin(); it != candidates.end();) {
    Decision& decision = plan.decisions[it->second];
    int64_t& count = digest_ref_count[decision.target];
    if (count > 1) {
      --count;
      ++it;
      continue;
    }
    auto use = used.find(decision.target);
    if (use == used.end()) {
      ++it;
      continue;
    }
    decision.reason = DecisionReason::kLastTagOfUsedDigest;
    decision.text = "last tag of digest " + decision.target.str() + " used by container " +
                    ShortId(use->second.container_id) + " (" + use->second.rule + ")";
    decision.container_id = use->second.container_id;
    it = candidates.erase(it);
  }

  // What is left is pruned, unless its walk failed.
  for (const auto& [name, index] : candidates) {
    Decision& decision = plan.decisions[index];
    const ImageInventory& image = *images[index];
    if (!image.walk_error.ok()) {
      decision.reason = DecisionReason::kWalkFailed;
      decision.text = "walk failed: " + std::string(image.walk_error.message());
      plan.errors.push_back(ImageError{name, image.walk_error});
      continue;
    }
    decision.prune = true;
    if (IsDanglingImage(image.record)) {
      decision.reason = DecisionReason::kDangling;
      decision.text = "dangling image";
    } else {
      decision.reason = DecisionReason::kUnused;
      decision.text = "unused (-a)";
    }
    PlannedDeletion deletion;
    deletion.name = name;
    deletion.untagged = ImageFamiliarName(image.record);
    std::set<Digest> seen_blobs;
    for (const Descriptor& desc : image.descriptors) {
      if (!seen_blobs.insert(desc.digest).second) continue;
      deletion.blobs.push_back(desc.digest);
      auto size = inventory.content_sizes.find(desc.digest);
      plan.blob_sizes[desc.digest] =
          size == inventory.content_sizes.end() ? desc.size : size->second;
    }
    std::set<std::string> seen_chains;
    for (const std::string& chain : image.chain_ids) {
      if (!seen_chains.insert(chain).second) continue;
      deletion.chain_ids.push_back(chain);
      auto size = inventory.snapshot_sizes.find(chain);
      plan.snapshot_sizes[chain] = size == inventory.snapshot_sizes.end() ? 0 : size->second;
    }
    plan.deletions.push_back(std::move(deletion));
  }
  SortErrors(plan.errors);

  // The one collection after the deletions.
  std::set<std::string> deleted_names;
  for (const PlannedDeletion& d : plan.deletions) deleted_names.insert(d.name);
  const gc::GcResult predicted = gc::PredictRemovals(inventory.graph, deleted_names, options.now);
  std::vector<std::string> unparsed_blobs;
  for (const std::string& key : predicted.removed_content) {
    absl::StatusOr<Digest> d = Digest::Parse(key);
    if (d.ok()) {
      plan.predicted_removed_blobs.insert(*d);
    } else {
      unparsed_blobs.push_back(key);
    }
  }
  for (const gc::ResourceId& s : predicted.removed_snapshots) {
    if (inventory.snapshotter.empty() || s.snapshotter == inventory.snapshotter) {
      plan.predicted_removed_snapshots.insert(s.key);
    }
  }

  const std::vector<bool> all_deleted(plan.deletions.size(), true);
  Attribution attribution =
      Attribute(plan, all_deleted, plan.predicted_removed_blobs, plan.predicted_removed_snapshots);
  for (size_t i = 0; i < plan.deletions.size(); ++i) {
    Decision& decision = plan.decisions[index_of.at(plan.deletions[i].name)];
    decision.deleted_blobs = attribution.blobs[i];
    decision.deleted_snapshots = attribution.snapshots[i];
    decision.reclaimed_bytes = attribution.bytes[i];
  }
  plan.report = std::move(attribution.report);
  plan.report.errors = plan.errors;

  // What the collection frees beyond the pruned images.
  for (const Digest& d : plan.predicted_removed_blobs) {
    if (attribution.owned_blobs.contains(d)) continue;
    auto size = inventory.content_sizes.find(d);
    plan.other_collectable_blobs.push_back(
        {d.str(), size == inventory.content_sizes.end() ? 0 : size->second});
  }
  for (const std::string& key : unparsed_blobs) {
    plan.other_collectable_blobs.push_back({key, 0});
  }
  std::sort(plan.other_collectable_blobs.begin(), plan.other_collectable_blobs.end(),
            [](const CollectableBlob& a, const CollectableBlob& b) { return a.digest < b.digest; });
  for (const gc::ResourceId& s : predicted.removed_snapshots) {
    const bool ours = inventory.snapshotter.empty() || s.snapshotter == inventory.snapshotter;
    if (ours && attribution.owned_snapshots.contains(s.key)) continue;
    int64_t size = 0;
    if (ours) {
      auto it = inventory.snapshot_sizes.find(s.key);
      if (it != inventory.snapshot_sizes.end()) size = it->second;
    }
    plan.other_collectable_snapshots.push_back({s.snapshotter, s.key, size});
  }
  return plan;
}

Report BuildReport(const Plan& plan, const std::vector<ImageDeletion>& outcome,
                   const std::set<Digest>& removed_blobs,
                   const std::set<std::string>& removed_chain_ids) {
  std::map<std::string, const absl::Status*> status_of;
  for (const ImageDeletion& d : outcome) status_of[d.name] = &d.status;

  std::vector<bool> deleted(plan.deletions.size(), false);
  std::vector<ImageError> errors = plan.errors;
  for (size_t i = 0; i < plan.deletions.size(); ++i) {
    auto it = status_of.find(plan.deletions[i].name);
    if (it == status_of.end()) continue;
    const absl::Status& status = *it->second;
    if (status.ok() || absl::IsNotFound(status)) {
      deleted[i] = true;
    } else {
      errors.push_back(ImageError{plan.deletions[i].name, status});
    }
  }
  SortErrors(errors);
  Attribution attribution = Attribute(plan, deleted, removed_blobs, removed_chain_ids);
  Report report = std::move(attribution.report);
  report.errors = std::move(errors);
  return report;
}

}  // namespace reclaim
