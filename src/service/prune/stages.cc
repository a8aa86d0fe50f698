// The decision stages of the planner (stages.h): the state, candidates,
// container protection and keep-last-tag, moby's §4.1-§4.3.
#include "service/prune/stages.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "core/reference.h"
#include "core/timestamp.h"

namespace reclaim {

namespace plan_internal {

void TrimHeap() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

std::string ShortId(std::string_view id) { return std::string(id.substr(0, 12)); }

bool IsDanglingName(const std::string& name, const Digest& target) {
  const std::string& digest = target.str();
  return name.size() == kDanglingPrefix.size() + digest.size() &&
         name.starts_with(kDanglingPrefix) && name.ends_with(digest);
}

std::string FamiliarName(const std::string& name, const Digest& target) {
  if (IsDanglingName(name, target)) return target.str();
  return FamiliarizeStoredName(name);
}

}  // namespace plan_internal

namespace {

using plan_internal::IsDanglingName;
using plan_internal::ShortId;
using plan_internal::Release;

constexpr std::string_view kSha256Prefix = "sha256:";

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

}  // namespace

PlanState::PlanState(const Inventory& inventory_in, Inventory* owned_in,
                     const PruneOptions& options_in)
    : inventory(inventory_in), owned(owned_in), options(options_in) {
  std::vector<const ImageInventory*> images;
  images.reserve(inventory.images.size());
  for (const ImageInventory& image : inventory.images) images.push_back(&image);
  std::stable_sort(images.begin(), images.end(),
                   [](const ImageInventory* a, const ImageInventory* b) {
                     return a->record.name < b->record.name;
                   });
  rows.resize(images.size());
  plan.decisions.resize(images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    const ImageInventory& image = *images[i];
    Decision& decision = plan.decisions[i];
    if (owned != nullptr) {
      ImageRecord& record =
          owned->images[static_cast<size_t>(&image - inventory.images.data())].record;
      decision.name = std::move(record.name);
      decision.target = std::move(record.target.digest);
    } else {
      decision.name = image.record.name;
      decision.target = image.record.target.digest;
    }
    Row& row = rows[i];
    row.created_at = image.record.created_at;
    row.walk = image.walk;
    row.walk_error = image.walk_error;
  }
  if (owned != nullptr) Release(owned->images);
  candidate.assign(rows.size(), false);
}

std::optional<size_t> PlanState::FindCandidate(const std::string& name) const {
  auto it = std::lower_bound(
      plan.decisions.begin(), plan.decisions.end(), name,
      [](const Decision& decision, const std::string& key) { return decision.name < key; });
  while (it != plan.decisions.end() && it->name == name) {
    const size_t index = static_cast<size_t>(it - plan.decisions.begin());
    if (candidate[index]) return index;
    ++it;
  }
  return std::nullopt;
}

void PlanState::Keep(size_t index, DecisionReason reason, std::string text,
                     std::string container_id) {
  Decision& decision = plan.decisions[index];
  decision.reason = reason;
  decision.text = std::move(text);
  decision.container_id = std::move(container_id);
  candidate[index] = false;
}

namespace {

// `sha256:` + 64 lowercase hex: the name of CRI's ID record.
bool IsCriIdName(const std::string& name) {
  if (name.size() != kSha256Prefix.size() + 64 || !name.starts_with(kSha256Prefix)) return false;
  for (size_t i = kSha256Prefix.size(); i < name.size(); ++i) {
    const char c = name[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

void SelectCandidates(PlanState& state) {
  const PruneOptions& options = state.options;
  std::vector<Decision>& decisions = state.plan.decisions;
  // Kubernetes' dangling: a CRI ID record alone on its target (counted first).
  absl::flat_hash_map<absl::string_view, int64_t> records_of;
  if (options.dangling_only && options.dangling_rule == DanglingRule::kCriIdRecordOnly) {
    for (const Decision& decision : decisions) ++records_of[decision.target.str()];
  }
  const auto is_dangling = [&](const Decision& decision) {
    if (IsDanglingName(decision.name, decision.target)) return true;
    return options.dangling_rule == DanglingRule::kCriIdRecordOnly && IsCriIdName(decision.name) &&
           records_of[decision.target.str()] == 1;
  };
  // A name seen twice keeps its first candidate (names are unique in practice).
  bool previous_name_candidate = false;
  for (size_t i = 0; i < decisions.size(); ++i) {
    const PlanState::Row& row = state.rows[i];
    Decision& decision = decisions[i];
    ++state.digest_ref_count[absl::string_view(decision.target.str())];
    const bool same_name = i > 0 && decision.name == decisions[i - 1].name;
    if (!same_name) previous_name_candidate = false;

    if (options.dangling_only && !is_dangling(decision)) {
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
    state.candidate[i] = true;
    previous_name_candidate = true;
  }
}

void ProtectContainerImages(PlanState& state) {
  // In ID order, so that reasons are deterministic.
  std::vector<const ContainerRecord*> containers;
  containers.reserve(state.inventory.containers.size());
  for (const ContainerRecord& c : state.inventory.containers) containers.push_back(&c);
  std::stable_sort(
      containers.begin(), containers.end(),
      [](const ContainerRecord* a, const ContainerRecord* b) { return a->id < b->id; });

  const auto protect = [&](const std::string& name, DecisionReason reason, std::string text,
                           const std::string& container_id) {
    const std::optional<size_t> index = state.FindCandidate(name);
    if (index.has_value()) state.Keep(*index, reason, std::move(text), container_id);
  };
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
        state.used.emplace(image_id, DigestUse{container->id, "by ID prefix"});
      }
      // Rule 3: a digested reference to exactly this digest.
      if (config_image.ends_with("@" + image_id.str())) {
        state.used.emplace(image_id, DigestUse{container->id, "by digest reference"});
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
}

void KeepLastTagOfUsedDigests(PlanState& state) {
  std::vector<Decision>& decisions = state.plan.decisions;
  for (size_t i = 0; i < decisions.size(); ++i) {
    if (!state.candidate[i]) continue;
    const Decision& decision = decisions[i];
    int64_t& count = state.digest_ref_count[absl::string_view(decision.target.str())];
    if (count > 1) {
      --count;
      continue;
    }
    auto use = state.used.find(decision.target);
    if (use == state.used.end()) continue;
    state.Keep(i, DecisionReason::kLastTagOfUsedDigest,
               "last tag of digest " + decision.target.str() + " used by container " +
                   ShortId(use->second.container_id) + " (" + use->second.rule + ")",
               use->second.container_id);
  }
  Release(state.digest_ref_count);
}

Plan RunStages(PlanState& state, const std::vector<PlanStage>& extra) {
  SelectCandidates(state);
  ProtectContainerImages(state);
  KeepLastTagOfUsedDigests(state);
  for (const PlanStage& stage : extra) stage(state);
  DecidePruned(state);
  SelectSnapshotLabelReleases(state);
  PredictCollection(state);
  AttributeReport(state);
  return std::move(state.plan);
}

}  // namespace reclaim
