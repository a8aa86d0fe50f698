#include "service/prune/plan.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
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

// The label predicate of one image (§2.2), from its walk (null: nothing present).
bool ImageMatchesLabels(const TargetWalk* walk, const absl::Status& walk_error,
                        const std::vector<LabelCheck>& checks, std::string* detail) {
  if (!walk_error.ok()) {
    *detail = " (walk failed: " + std::string(walk_error.message()) + ")";
    return false;
  }
  bool any_config = false;
  if (walk != nullptr) {
    for (const ConfigLabels& config : walk->configs) {
      if (config.attestation) continue;
      any_config = true;
      if (ConfigMatchesLabels(config.labels, checks)) return true;
    }
  }
  if (!any_config) *detail = " (no present image config)";
  return false;
}

// Attribution of vanished blobs and snapshots to the deleted images (see the
// header): the last deleted image in order that holds an item owns it.
//
// Deletions of one walk share their lists, so an item's owner is the largest
// "last deleted user" of the lists holding it, and only that last user of a
// list can own any of its items: each distinct list is scanned once.
struct Attribution {
  std::vector<std::vector<Digest>> blobs;
  std::vector<std::vector<std::string>> snapshots;
  std::vector<uint64_t> bytes;
  // Owner (deletion index) of every attributed blob / snapshot; the keys point
  // into the plan's lists.
  absl::flat_hash_map<absl::string_view, size_t> blob_owner;
  absl::flat_hash_map<absl::string_view, size_t> snapshot_owner;
  Report report;  // without errors
};

template <typename T>
const std::vector<T>& ListOrEmpty(const std::shared_ptr<const std::vector<T>>& list) {
  static const std::vector<T>* const kEmpty = new std::vector<T>();
  return list != nullptr ? *list : *kEmpty;
}

absl::string_view Key(const Digest& d) { return absl::string_view(d.str()); }
absl::string_view Key(const std::string& s) { return absl::string_view(s); }

// Frees what `x` holds (`x = {}` would keep a vector's capacity).
template <typename T>
void Release(T& x) {
  T empty;
  std::swap(x, empty);
}

// Gives the pages of freed memory back to the system. The walks were built by
// the gathering threads, in their own malloc arenas: what is freed there is not
// reused by this thread, and would otherwise stay resident.
void TrimHeap() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

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

namespace {

bool IsDanglingName(const std::string& name, const Digest& target) {
  const std::string& digest = target.str();
  return name.size() == kDanglingPrefix.size() + digest.size() &&
         name.starts_with(kDanglingPrefix) && name.ends_with(digest);
}

std::string FamiliarName(const std::string& name, const Digest& target) {
  if (IsDanglingName(name, target)) return target.str();
  return FamiliarizeStoredName(name);
}

}  // namespace

bool IsDanglingImage(const ImageRecord& image) {
  return IsDanglingName(image.name, image.target.digest);
}

std::string ImageFamiliarName(const ImageRecord& image) {
  return FamiliarName(image.name, image.target.digest);
}

namespace {

// What PlanPrune needs of one image record, in name order.
struct Row {
  std::string name;
  Digest target;
  absl::Time created_at;
  std::shared_ptr<const TargetWalk> walk;
  absl::Status walk_error;
};

// PlanPrune. With `owned` (the same object as `inventory`, given up by the
// caller) the record names and target digests are moved, not copied, and the
// inventory's images, walks and graph are freed as soon as the plan no longer
// needs them (a smaller peak); the plan is the same.
Plan PlanPruneImpl(const Inventory& inventory, Inventory* owned, const PruneOptions& options) {
  Plan plan;

  // The records in byte-wise name order; decisions follow it.
  std::vector<Row> rows;
  {
    std::vector<const ImageInventory*> images;
    images.reserve(inventory.images.size());
    for (const ImageInventory& image : inventory.images) images.push_back(&image);
    std::stable_sort(images.begin(), images.end(),
                     [](const ImageInventory* a, const ImageInventory* b) {
                       return a->record.name < b->record.name;
                     });
    rows.resize(images.size());
    for (size_t i = 0; i < images.size(); ++i) {
      const ImageInventory& image = *images[i];
      Row& row = rows[i];
      if (owned != nullptr) {
        ImageRecord& record =
            owned->images[static_cast<size_t>(&image - inventory.images.data())].record;
        row.name = std::move(record.name);
        row.target = std::move(record.target.digest);
      } else {
        row.name = image.record.name;
        row.target = image.record.target.digest;
      }
      row.created_at = image.record.created_at;
      row.walk = image.walk;
      row.walk_error = image.walk_error;
    }
  }
  if (owned != nullptr) Release(owned->images);
  const size_t n = rows.size();

  plan.decisions.resize(n);
  // Keys point into the decisions.
  absl::flat_hash_map<absl::string_view, int64_t> digest_ref_count;
  // Candidates (decision indexes, in name order).
  std::vector<bool> candidate(n, false);
  // A name seen twice keeps its first candidate (names are unique in practice).
  bool previous_name_candidate = false;

  // §4.1 candidates and the predicate.
  for (size_t i = 0; i < n; ++i) {
    Row& row = rows[i];
    Decision& decision = plan.decisions[i];
    decision.name = std::move(row.name);
    decision.target = std::move(row.target);
    ++digest_ref_count[absl::string_view(decision.target.str())];
    const bool same_name = i > 0 && decision.name == plan.decisions[i - 1].name;
    if (!same_name) previous_name_candidate = false;

    if (options.dangling_only && !IsDanglingName(decision.name, decision.target)) {
      decision.reason = DecisionReason::kNotDangling;
      decision.text = "not dangling (use -a to prune tagged images)";
      continue;
    }
    const absl::Time* failed_until = nullptr;
    for (const absl::Time& until : options.until) {
      if (!(row.created_at < until)) {
        failed_until = &until;
        break;
      }
    }
    if (failed_until != nullptr) {
      decision.reason = DecisionReason::kFilteredByUntil;
      decision.text = "filtered out by until (created " + FormatRfc3339Nano(row.created_at) +
                      " is not before " + FormatRfc3339Nano(*failed_until) + ")";
      continue;
    }
    if (!options.label_checks.empty()) {
      std::string detail;
      if (!ImageMatchesLabels(row.walk.get(), row.walk_error, options.label_checks, &detail)) {
        decision.reason = DecisionReason::kFilteredByLabel;
        decision.text = "filtered out by label" + detail;
        continue;
      }
    }
    if (same_name && previous_name_candidate) continue;
    candidate[i] = true;
    previous_name_candidate = true;
  }

  // §4.2 containers, in ID order so that reasons are deterministic.
  std::vector<const ContainerRecord*> containers;
  containers.reserve(inventory.containers.size());
  for (const ContainerRecord& c : inventory.containers) containers.push_back(&c);
  std::stable_sort(
      containers.begin(), containers.end(),
      [](const ContainerRecord* a, const ContainerRecord* b) { return a->id < b->id; });

  // The candidate named `name`: the first decision of that name, if a candidate.
  const auto find_candidate = [&](const std::string& name) -> std::optional<size_t> {
    auto it = std::lower_bound(
        plan.decisions.begin(), plan.decisions.end(), name,
        [](const Decision& decision, const std::string& key) { return decision.name < key; });
    while (it != plan.decisions.end() && it->name == name) {
      const size_t index = static_cast<size_t>(it - plan.decisions.begin());
      if (candidate[index]) return index;
      ++it;
    }
    return std::nullopt;
  };
  const auto protect = [&](const std::string& name, DecisionReason reason, std::string text,
                           const std::string& container_id) {
    const std::optional<size_t> index = find_candidate(name);
    if (!index.has_value()) return;
    Decision& decision = plan.decisions[*index];
    decision.reason = reason;
    decision.text = std::move(text);
    decision.container_id = container_id;
    candidate[*index] = false;
  };

  absl::flat_hash_map<Digest, DigestUse> used;
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
  for (size_t i = 0; i < n; ++i) {
    if (!candidate[i]) continue;
    Decision& decision = plan.decisions[i];
    int64_t& count = digest_ref_count[absl::string_view(decision.target.str())];
    if (count > 1) {
      --count;
      continue;
    }
    auto use = used.find(decision.target);
    if (use == used.end()) continue;
    decision.reason = DecisionReason::kLastTagOfUsedDigest;
    decision.text = "last tag of digest " + decision.target.str() + " used by container " +
                    ShortId(use->second.container_id) + " (" + use->second.rule + ")";
    decision.container_id = use->second.container_id;
    candidate[i] = false;
  }
  Release(digest_ref_count);

  // What is left is pruned, unless its walk failed. Deletions of one walk share
  // their blob and chain ID lists; the lists are made first, then the walks go.
  struct Lists {
    std::shared_ptr<const std::vector<Digest>> blobs;
    std::shared_ptr<const std::vector<std::string>> chain_ids;
    // Blobs absent from content_sizes, sized by their descriptor (first
    // occurrence): applied per deletion, so the last one in order wins.
    std::vector<std::pair<Digest, int64_t>> unsized;
  };
  absl::flat_hash_map<const TargetWalk*, std::unique_ptr<Lists>> lists_of;  // stable values
  bool any_unsized = false;
  const auto make_lists = [&](const TargetWalk* walk) -> const Lists* {
    auto [it, inserted] = lists_of.try_emplace(walk);
    if (!inserted) return it->second.get();
    it->second = std::make_unique<Lists>();
    Lists& lists = *it->second;
    auto blobs = std::make_shared<std::vector<Digest>>();
    auto chains = std::make_shared<std::vector<std::string>>();
    if (walk != nullptr) {
      absl::flat_hash_set<absl::string_view> seen_blobs;
      for (const Descriptor& desc : walk->descriptors) {
        if (!seen_blobs.insert(absl::string_view(desc.digest.str())).second) continue;
        blobs->push_back(desc.digest);
        auto size = inventory.content_sizes.find(desc.digest);
        if (size != inventory.content_sizes.end()) {
          plan.blob_sizes.insert_or_assign(desc.digest, size->second);
        } else {
          lists.unsized.emplace_back(desc.digest, desc.size);
          any_unsized = true;
        }
      }
      absl::flat_hash_set<absl::string_view> seen_chains;
      for (const std::string& chain : walk->chain_ids) {
        if (!seen_chains.insert(absl::string_view(chain)).second) continue;
        chains->push_back(chain);
        auto size = inventory.snapshot_sizes.find(chain);
        plan.snapshot_sizes[chain] = size == inventory.snapshot_sizes.end() ? 0 : size->second;
      }
    }
    lists.blobs = std::move(blobs);
    lists.chain_ids = std::move(chains);
    return &lists;
  };
  // Per pruned decision (in order): its lists.
  std::vector<std::pair<size_t, const Lists*>> pruned;
  for (size_t index = 0; index < n; ++index) {
    if (!candidate[index]) continue;
    Decision& decision = plan.decisions[index];
    const Row& row = rows[index];
    if (!row.walk_error.ok()) {
      decision.reason = DecisionReason::kWalkFailed;
      decision.text = "walk failed: " + std::string(row.walk_error.message());
      plan.errors.push_back(ImageError{decision.name, row.walk_error});
      continue;
    }
    decision.prune = true;
    if (IsDanglingName(decision.name, decision.target)) {
      decision.reason = DecisionReason::kDangling;
      decision.text = "dangling image";
    } else {
      decision.reason = DecisionReason::kUnused;
      decision.text = "unused (-a)";
    }
    pruned.emplace_back(index, make_lists(row.walk.get()));
  }

  // §5.5: configs of pruned images that no kept image reaches and that carry
  // the snapshot label of the inventory's snapshotter.
  std::map<Digest, std::vector<std::string>> release_candidates;
  const std::string snapshot_label =
      inventory.snapshotter.empty() ? "" : std::string(kGcRefSnapshotPrefix) + inventory.snapshotter;
  if (!snapshot_label.empty()) {
    absl::flat_hash_set<absl::string_view> kept_configs;
    std::vector<bool> is_pruned(n, false);
    for (const auto& [index, lists] : pruned) is_pruned[index] = true;
    for (size_t i = 0; i < n; ++i) {
      if (is_pruned[i] || rows[i].walk == nullptr) continue;
      for (const ConfigLabels& c : rows[i].walk->configs) {
        kept_configs.insert(absl::string_view(c.digest.str()));
      }
    }
    for (const auto& [index, lists] : pruned) {
      if (rows[index].walk == nullptr) continue;
      for (const ConfigLabels& c : rows[index].walk->configs) {
        if (kept_configs.contains(absl::string_view(c.digest.str()))) continue;
        auto content = inventory.graph.content.find(c.digest.str());
        if (content == inventory.graph.content.end() ||
            !content->second.labels.contains(snapshot_label)) {
          continue;
        }
        std::vector<std::string>& images = release_candidates[c.digest];
        if (images.empty() || images.back() != plan.decisions[index].name) {
          images.push_back(plan.decisions[index].name);
        }
      }
    }
  }
  Release(rows);  // the walks go too, unless the caller keeps the inventory
  Release(candidate);
  if (owned != nullptr) TrimHeap();
  if (any_unsized) {
    for (const auto& [index, lists] : pruned) {
      for (const auto& [digest, size] : lists->unsized) plan.blob_sizes[digest] = size;
    }
  }
  plan.deletions.reserve(pruned.size());
  for (const auto& [index, lists] : pruned) {
    const Decision& decision = plan.decisions[index];
    PlannedDeletion deletion;
    deletion.name = decision.name;
    deletion.untagged = FamiliarName(decision.name, decision.target);
    deletion.blobs = lists->blobs;
    deletion.chain_ids = lists->chain_ids;
    plan.deletions.push_back(std::move(deletion));
  }
  Release(lists_of);
  SortErrors(plan.errors);

  // The one collection after the deletions (and the label releases).
  gc::GcResult predicted;
  {
    std::set<std::string> deleted_names;
    for (const PlannedDeletion& d : plan.deletions) {
      deleted_names.insert(deleted_names.end(), d.name);
    }
    if (release_candidates.empty()) {
      predicted = gc::PredictRemovals(inventory.graph, deleted_names, options.now);
    } else {
      // The graph as the collection will see it: without the released labels.
      std::optional<gc::GcGraph> copy;
      gc::GcGraph* graph = owned != nullptr ? &owned->graph : &copy.emplace(inventory.graph);
      for (const auto& [config, images] : release_candidates) {
        graph->content[config.str()].labels.erase(snapshot_label);
      }
      predicted = gc::PredictRemovals(*graph, deleted_names, options.now);
    }
  }
  // A config the collection removes anyway needs no release.
  for (auto& [config, images] : release_candidates) {
    if (std::binary_search(predicted.removed_content.begin(), predicted.removed_content.end(),
                           config.str())) {
      continue;
    }
    plan.snapshot_label_releases.push_back(
        SnapshotLabelRelease{config, snapshot_label, std::move(images)});
  }
  Release(release_candidates);
  Release(predicted.live);
  if (owned != nullptr) Release(owned->graph);
  std::vector<std::string> unparsed_blobs;
  for (const std::string& key : predicted.removed_content) {
    absl::StatusOr<Digest> d = Digest::Parse(key);
    if (d.ok()) {
      plan.predicted_removed_blobs.insert(plan.predicted_removed_blobs.end(), *std::move(d));
    } else {
      unparsed_blobs.push_back(key);
    }
  }
  Release(predicted.removed_content);
  for (const gc::ResourceId& s : predicted.removed_snapshots) {
    if (inventory.snapshotter.empty() || s.snapshotter == inventory.snapshotter) {
      plan.predicted_removed_snapshots.insert(s.key);
    }
  }

  const std::vector<bool> all_deleted(plan.deletions.size(), true);
  Attribution attribution =
      Attribute(plan, all_deleted, plan.predicted_removed_blobs, plan.predicted_removed_snapshots);
  for (size_t i = 0; i < plan.deletions.size(); ++i) {
    Decision& decision = plan.decisions[pruned[i].first];
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
    if (attribution.blob_owner.contains(Key(d))) continue;
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
    if (ours && attribution.snapshot_owner.contains(Key(s.key))) continue;
    int64_t size = 0;
    if (ours) {
      auto it = inventory.snapshot_sizes.find(s.key);
      if (it != inventory.snapshot_sizes.end()) size = it->second;
    }
    plan.other_collectable_snapshots.push_back({s.snapshotter, s.key, size});
  }
  return plan;
}

}  // namespace

Plan PlanPrune(const Inventory& inventory, const PruneOptions& options) {
  return PlanPruneImpl(inventory, nullptr, options);
}

Plan PlanPrune(Inventory&& inventory, const PruneOptions& options) {
  Plan plan = PlanPruneImpl(inventory, &inventory, options);
  inventory = Inventory();
  TrimHeap();
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
  SortErrors(errors);
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

const std::vector<Descriptor>& ImageInventory::descriptors() const {
  static const std::vector<Descriptor>* const kEmpty = new std::vector<Descriptor>();
  return walk != nullptr ? walk->descriptors : *kEmpty;
}

const std::vector<ConfigLabels>& ImageInventory::configs() const {
  static const std::vector<ConfigLabels>* const kEmpty = new std::vector<ConfigLabels>();
  return walk != nullptr ? walk->configs : *kEmpty;
}

const std::vector<std::string>& ImageInventory::chain_ids() const {
  static const std::vector<std::string>* const kEmpty = new std::vector<std::string>();
  return walk != nullptr ? walk->chain_ids : *kEmpty;
}

bool operator==(const PlannedDeletion& a, const PlannedDeletion& b) {
  return a.name == b.name && a.untagged == b.untagged &&
         ListOrEmpty(a.blobs) == ListOrEmpty(b.blobs) &&
         ListOrEmpty(a.chain_ids) == ListOrEmpty(b.chain_ids);
}

}  // namespace reclaim
