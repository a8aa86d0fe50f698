#include "hosts/host_policy.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "core/digest.h"
#include "core/reference.h"
#include "core/timestamp.h"
#include "nlohmann/json.hpp"
#include "service/prune/stages.h"

namespace reclaim {
namespace {

using plan_internal::ShortId;

absl::Status Unattributable(std::string_view what, std::string_view id, std::string_view why) {
  return absl::FailedPreconditionError(std::string(what) + " " + std::string(id) + ": " +
                                       std::string(why) +
                                       "; cannot tell which image it uses, so nothing is pruned");
}

std::string LabelOr(const Labels& labels, std::string_view key) {
  auto it = labels.find(std::string(key));
  return it == labels.end() ? std::string() : it->second;
}

// "default/web" from kubelet's labels; empty without a pod name.
std::string PodName(const Labels& labels) {
  const std::string pod = LabelOr(labels, "io.kubernetes.pod.name");
  const std::string ns = LabelOr(labels, "io.kubernetes.pod.namespace");
  return pod.empty() || ns.empty() ? pod : ns + "/" + pod;
}

// "pod default/web container app" from kubelet's labels, else the CRI name.
std::string CriContainerText(const ContainerRecord& c, const CriContainerMetadata& meta) {
  const std::string pod = PodName(c.labels);
  const std::string name = LabelOr(c.labels, "io.kubernetes.container.name");
  if (!pod.empty()) {
    return "used by pod " + pod + " container " + (name.empty() ? meta.name : name) + " (CRI)";
  }
  return "used by CRI container " + ShortId(c.id) + (meta.name.empty() ? "" : " " + meta.name) +
         " (CRI)";
}

// Follows `key`'s parent chain in `snapshots` to the first rootfs chain ID an
// image of the inventory ends at.
absl::StatusOr<std::string> ChainOf(
    std::string_view key, const std::map<std::string, const SnapshotUsage*>& snapshots,
    const std::set<std::string>& top_chains) {
  std::string at(key);
  for (size_t steps = 0; steps < 1024; ++steps) {
    if (top_chains.contains(at)) return at;
    auto it = snapshots.find(at);
    if (it == snapshots.end()) {
      return absl::NotFoundError(at == key ? "its snapshot " + at + " does not exist"
                                           : "its snapshot chain reaches " + at +
                                                 ", which does not exist");
    }
    if (it->second->parent.empty()) {
      return absl::NotFoundError("its snapshot chain (from " + std::string(key) +
                                 ") reaches no image's layers");
    }
    at = it->second->parent;
  }
  return absl::NotFoundError("its snapshot chain (from " + std::string(key) + ") is too long");
}

// The planner stage keeping every candidate a host use names.
PlanStage ProtectUsesStage(std::vector<HostUse> uses) {
  return [uses = std::move(uses)](PlanState& state) {
    // First use (in container order) per key.
    absl::flat_hash_map<std::string, const HostUse*> by_config, by_chain, by_name;
    for (const HostUse& use : uses) {
      auto& index = use.kind == HostUse::Kind::kConfig    ? by_config
                    : use.kind == HostUse::Kind::kChainId ? by_chain
                                                          : by_name;
      index.emplace(use.value, &use);
    }
    std::vector<Decision>& decisions = state.plan.decisions;
    for (size_t i = 0; i < decisions.size(); ++i) {
      if (!state.candidate[i]) continue;
      const HostUse* use = nullptr;
      if (auto it = by_name.find(decisions[i].name); it != by_name.end()) use = it->second;
      if (auto it = by_config.find(decisions[i].name); use == nullptr && it != by_config.end()) {
        use = it->second;  // CRI's ID record of the config
      }
      const TargetWalk* walk = state.rows[i].walk.get();
      if (use == nullptr && walk != nullptr) {
        for (const ConfigLabels& config : walk->configs) {
          if (auto it = by_config.find(config.digest.str()); it != by_config.end()) {
            use = it->second;
            break;
          }
          if (auto it = by_chain.find(config.top_chain_id);
              !config.top_chain_id.empty() && it != by_chain.end()) {
            use = it->second;
            break;
          }
        }
      }
      if (use != nullptr) {
        state.Keep(i, DecisionReason::kUsedByHostContainer, use->text, use->container_id);
      }
    }
  };
}

PlanStage KeepNamesStage(std::set<std::string> names, DecisionReason reason, std::string text) {
  return [names = std::move(names), reason, text = std::move(text)](PlanState& state) {
    for (const std::string& name : names) {
      if (std::optional<size_t> i = state.FindCandidate(name); i.has_value()) {
        state.Keep(*i, reason, text);
      }
    }
  };
}

PlanStage KeepYoungStage(absl::Duration min_age) {
  return [min_age](PlanState& state) {
    const absl::Time cutoff = state.options.now - min_age;
    for (size_t i = 0; i < state.plan.decisions.size(); ++i) {
      if (!state.candidate[i] || !(state.rows[i].created_at > cutoff)) continue;
      state.Keep(i, DecisionReason::kYoungerThanMinAge,
                 "record created " + FormatRfc3339Nano(state.rows[i].created_at) +
                     ", younger than --min-age " + absl::FormatDuration(min_age));
    }
  };
}

// Kubernetes: an image's records go together. Runs last among the extra
// stages, so it sees every other keep.
void KeepRecordsTogether(PlanState& state) {
  std::vector<Decision>& decisions = state.plan.decisions;
  absl::flat_hash_map<std::string, size_t> kept_of;  // target → a non-candidate record
  for (size_t i = 0; i < decisions.size(); ++i) {
    if (!state.candidate[i]) kept_of.emplace(decisions[i].target.str(), i);
  }
  for (size_t i = 0; i < decisions.size(); ++i) {
    if (!state.candidate[i]) continue;
    auto it = kept_of.find(decisions[i].target.str());
    if (it == kept_of.end()) continue;
    state.Keep(i, DecisionReason::kSiblingRecordKept,
               "kept with " + decisions[it->second].name +
                   " (an image's CRI records are pruned together)",
               decisions[it->second].container_id);
  }
}

}  // namespace

absl::StatusOr<CriContainerMetadata> ParseCriContainerMetadata(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return absl::InvalidArgumentError("not a JSON object");
  auto version = j.find("Version");
  if (version == j.end() || !version->is_string() || *version != "v1") {
    return absl::InvalidArgumentError("metadata version is not v1");
  }
  auto meta = j.find("Metadata");
  if (meta == j.end() || !meta->is_object()) return absl::InvalidArgumentError("no Metadata");
  CriContainerMetadata out;
  const auto str = [&](const char* key, std::string* to) -> absl::Status {
    auto it = meta->find(key);
    if (it == meta->end() || it->is_null()) return absl::OkStatus();
    if (!it->is_string()) {
      return absl::InvalidArgumentError(std::string("Metadata.") + key + " is not a string");
    }
    *to = it->get<std::string>();
    return absl::OkStatus();
  };
  for (auto [key, to] : {std::pair{"ID", &out.id}, std::pair{"Name", &out.name},
                         std::pair{"SandboxID", &out.sandbox_id},
                         std::pair{"ImageRef", &out.image_ref}}) {
    if (absl::Status s = str(key, to); !s.ok()) return s;
  }
  if (!Digest::Parse(out.image_ref).ok()) {
    return absl::InvalidArgumentError("Metadata.ImageRef \"" + out.image_ref +
                                      "\" is not an image ID");
  }
  return out;
}

HostPolicy::HostPolicy(HostPolicyOptions options) : options_(std::move(options)) {
  absl::StatusOr<Reference> ref = ParseNormalizedNamed(options_.sandbox_image);
  sandbox_name_ = ref.ok() ? TagNameOnly(*ref).String() : options_.sandbox_image;
}

bool HostPolicy::IsCriContainer(const ContainerRecord& c) const {
  return options_.host.kind == HostKind::kKubernetes &&
         (LabelOr(c.labels, kCriKindLabel) == "container" ||
          c.extensions.contains(std::string(kCriContainerMetadata)));
}

bool HostPolicy::IsCriSandbox(const ContainerRecord& c) const {
  return options_.host.kind == HostKind::kKubernetes &&
         LabelOr(c.labels, kCriKindLabel) == "sandbox";
}

bool HostPolicy::FollowsSnapshotChain(const ContainerRecord& c) const {
  if (c.snapshot_key.empty() || IsCriContainer(c)) return false;
  if (IsCriSandbox(c)) return true;
  return options_.host.kind != HostKind::kContainerd && c.image.empty();
}

bool HostPolicy::NeedsSnapshots(const std::vector<ContainerRecord>& containers) const {
  if (options_.host.kind == HostKind::kDocker) return true;  // the leases' chains
  return std::any_of(containers.begin(), containers.end(),
                     [&](const ContainerRecord& c) { return FollowsSnapshotChain(c); });
}

absl::StatusOr<std::vector<HostUse>> HostPolicy::Uses(
    const Inventory& inventory, const std::vector<ContainerRecord>& containers,
    const std::vector<Lease>& leases, const std::vector<SnapshotUsage>& snapshots,
    std::vector<ContainerRecord>* rest) const {
  std::set<std::string> top_chains;
  for (const ImageInventory& image : inventory.images) {
    for (const ConfigLabels& config : image.configs()) {
      if (!config.top_chain_id.empty()) top_chains.insert(config.top_chain_id);
    }
  }
  std::map<std::string, const SnapshotUsage*> by_key;
  for (const SnapshotUsage& s : snapshots) {
    if (options_.snapshotter.empty() || s.snapshotter == options_.snapshotter) by_key[s.key] = &s;
  }
  std::vector<HostUse> uses;
  const bool docker = options_.host.kind == HostKind::kDocker;
  for (const ContainerRecord& c : containers) {
    if (IsCriContainer(c)) {
      auto ext = c.extensions.find(std::string(kCriContainerMetadata));
      if (ext == c.extensions.end()) {
        return Unattributable("CRI container", c.id,
                              "it has no " + std::string(kCriContainerMetadata) + " extension");
      }
      absl::StatusOr<CriContainerMetadata> meta = ParseCriContainerMetadata(ext->second.value);
      if (!meta.ok()) {
        return Unattributable("CRI container", c.id,
                              "its " + std::string(kCriContainerMetadata) +
                                  " extension is unreadable (" +
                                  std::string(meta.status().message()) + ")");
      }
      uses.push_back(
          {HostUse::Kind::kConfig, meta->image_ref, c.id, CriContainerText(c, *meta)});
      continue;
    }
    const bool sandbox = IsCriSandbox(c);
    if (FollowsSnapshotChain(c)) {
      absl::StatusOr<std::string> chain = ChainOf(c.snapshot_key, by_key, top_chains);
      if (!chain.ok()) {
        return Unattributable(sandbox ? "CRI sandbox" : "container", c.id,
                              std::string(chain.status().message()));
      }
      std::string text;
      if (sandbox) {
        const std::string pod = PodName(c.labels);
        text = "sandbox of pod " + (pod.empty() ? ShortId(c.id) : pod) + " (CRI)";
      } else {
        text = "used by container " + ShortId(c.id) + " (snapshot chain)";
      }
      uses.push_back({HostUse::Kind::kChainId, *chain, c.id, std::move(text)});
      continue;
    }
    if (sandbox) continue;  // no snapshot: the sandbox image is kept by name
    rest->push_back(c);
  }
  if (docker) {
    for (const Lease& lease : leases) {
      if (lease.labels.contains(std::string(kMobyPruneLeaseLabel))) continue;
      for (const LeaseResource& r : lease.resources) {
        if (r.type != LeaseResourceType::kSnapshot) continue;
        if (!options_.snapshotter.empty() && !r.snapshotter.empty() &&
            r.snapshotter != options_.snapshotter) {
          continue;
        }
        absl::StatusOr<std::string> chain = ChainOf(r.id, by_key, top_chains);
        if (!chain.ok()) {
          return Unattributable("Docker container (lease)", lease.id, std::string(chain.status().message()));
        }
        uses.push_back({HostUse::Kind::kChainId, *chain, lease.id,
                        "used by Docker container " + ShortId(lease.id) + " (lease)"});
        break;  // <id> and <id>-init reach the same image
      }
    }
  }
  std::stable_sort(uses.begin(), uses.end(), [](const HostUse& a, const HostUse& b) {
    return a.container_id < b.container_id;
  });
  return uses;
}

absl::StatusOr<HostPlanInputs> HostPolicy::Read(Store& store, const Inventory& inventory,
                                                const PruneOptions& options) const {
  (void)options;
  std::vector<Lease> leases;
  std::vector<SnapshotUsage> snapshots;
  if (options_.host.kind == HostKind::kDocker) {
    absl::StatusOr<std::vector<Lease>> l = store.leases().ListLeases();
    if (!l.ok()) return l.status();
    leases = *std::move(l);
  }
  if (NeedsSnapshots(inventory.containers)) {
    absl::StatusOr<std::vector<SnapshotUsage>> s = store.snapshots().ListSnapshots();
    if (!s.ok()) return s.status();
    snapshots = *std::move(s);
  }
  return InputsFrom(inventory, leases, snapshots);
}

absl::StatusOr<HostPlanInputs> HostPolicy::InputsFrom(
    const Inventory& inventory, const std::vector<Lease>& leases,
    const std::vector<SnapshotUsage>& snapshots) const {
  HostPlanInputs out;
  absl::StatusOr<std::vector<HostUse>> uses =
      Uses(inventory, inventory.containers, leases, snapshots, &out.containers);
  if (!uses.ok()) return uses.status();
  out.stages.push_back(ProtectUsesStage(*std::move(uses)));
  if (options_.host.kind == HostKind::kKubernetes) {
    out.stages.push_back(KeepNamesStage({sandbox_name_}, DecisionReason::kSandboxImage,
                                        "the sandbox image (--sandbox-image " +
                                            options_.sandbox_image + ")"));
    std::set<std::string> pinned;
    for (const ImageInventory& image : inventory.images) {
      if (LabelOr(image.record.labels, kCriPinnedLabel) == "pinned") {
        pinned.insert(image.record.name);
      }
    }
    out.stages.push_back(KeepNamesStage(std::move(pinned), DecisionReason::kPinned,
                                        "pinned (io.cri-containerd.pinned=pinned)"));
    out.dangling_rule = DanglingRule::kCriIdRecordOnly;
  }
  if (options_.min_age > absl::ZeroDuration()) out.stages.push_back(KeepYoungStage(options_.min_age));
  if (options_.host.kind == HostKind::kKubernetes) out.stages.push_back(KeepRecordsTogether);
  return out;
}

}  // namespace reclaim
