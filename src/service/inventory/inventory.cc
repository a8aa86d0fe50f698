#include "service/inventory/inventory.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/container/flat_hash_set.h"
#include "core/json_fields.h"
#include "core/media_types.h"
#include "core/status.h"

namespace reclaim {
namespace {

// Manifests, indexes and configs larger than this are not read (the same cap as
// imageio's walk; registries cap manifests at 4 MiB).
constexpr int64_t kMaxParsedBlobSize = 16 << 20;

absl::Status TypeError(std::string_view field, std::string_view want) {
  return absl::InvalidArgumentError("json: cannot unmarshal image config field " +
                                    std::string(field) + ": want " + std::string(want));
}

absl::StatusOr<std::string> StringField(const nlohmann::json& object, std::string_view name) {
  const nlohmann::json* v = FindJsonField(object, name);
  if (v == nullptr) return std::string();
  if (!v->is_string()) return TypeError(name, "string");
  return v->get<std::string>();
}

std::string ChildrenKey(const Descriptor& desc) {
  return desc.digest.str() + "\n" + desc.media_type;
}

absl::StatusOr<std::shared_ptr<const ConfigSummary>> ReadConfig(Store& store, const Digest& digest,
                                                                BlobParseCache* cache) {
  if (cache != nullptr) {
    if (auto hit = cache->FindConfig(digest)) return hit;
  }
  RECLAIM_ASSIGN_OR_RETURN(std::string bytes, store.content().ReadBlob(digest, kMaxParsedBlobSize));
  absl::StatusOr<ConfigSummary> summary = ParseConfigSummary(bytes);
  if (!summary.ok()) return Annotate(summary.status(), "config " + digest.str());
  if (cache != nullptr) return cache->PutConfig(digest, *std::move(summary));
  return std::make_shared<const ConfigSummary>(*std::move(summary));
}

absl::StatusOr<std::shared_ptr<const std::vector<Descriptor>>> ReadChildren(
    Store& store, const Descriptor& desc, BlobParseCache* cache) {
  if (cache != nullptr) {
    if (auto hit = cache->FindChildren(desc)) return hit;
  }
  RECLAIM_ASSIGN_OR_RETURN(std::string bytes,
                           store.content().ReadBlob(desc.digest, kMaxParsedBlobSize));
  RECLAIM_ASSIGN_OR_RETURN(std::vector<Descriptor> children, Children(desc, bytes));
  if (cache != nullptr) return cache->PutChildren(desc, std::move(children));
  return std::make_shared<const std::vector<Descriptor>>(std::move(children));
}

gc::ResourceId LeaseResourceId(const LeaseResource& r) {
  switch (r.type) {
    case LeaseResourceType::kContent:
      return gc::ResourceId::Content(r.id);
    case LeaseResourceType::kIngest:
      return gc::ResourceId::Ingest(r.id);
    case LeaseResourceType::kSnapshot:
      return gc::ResourceId::Snapshot(r.snapshotter, r.id);
  }
  return gc::ResourceId::Content(r.id);
}

}  // namespace

absl::StatusOr<ConfigSummary> ParseConfigSummary(std::string_view bytes) {
  RECLAIM_ASSIGN_OR_RETURN(nlohmann::json json, ParseJson(bytes));
  ConfigSummary out;
  if (json.is_null()) return out;
  if (!json.is_object()) return TypeError("(document)", "object");

  if (const nlohmann::json* config = FindJsonField(json, "config"); config != nullptr) {
    if (!config->is_object()) return TypeError("config", "object");
    if (const nlohmann::json* labels = FindJsonField(*config, "Labels"); labels != nullptr) {
      if (!labels->is_object()) return TypeError("config.Labels", "object");
      for (auto it = labels->begin(); it != labels->end(); ++it) {
        if (!it.value().is_string()) return TypeError("config.Labels", "string values");
        out.labels[it.key()] = it.value().get<std::string>();
      }
    }
  }
  if (const nlohmann::json* rootfs = FindJsonField(json, "rootfs"); rootfs != nullptr) {
    if (!rootfs->is_object()) return TypeError("rootfs", "object");
    if (const nlohmann::json* ids = FindJsonField(*rootfs, "diff_ids"); ids != nullptr) {
      if (!ids->is_array()) return TypeError("rootfs.diff_ids", "array");
      for (const nlohmann::json& id : *ids) {
        if (!id.is_string()) return TypeError("rootfs.diff_ids", "strings");
        out.diff_ids.push_back(id.get<std::string>());
      }
    }
  }
  out.chain_ids = ChainIds(out.diff_ids);
  if (const nlohmann::json* created = FindJsonField(json, "created");
      created != nullptr && created->is_string()) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(absl::RFC3339_full, created->get<std::string>(), &t, &err)) out.created = t;
  }
  RECLAIM_ASSIGN_OR_RETURN(out.platform.architecture, StringField(json, "architecture"));
  RECLAIM_ASSIGN_OR_RETURN(out.platform.os, StringField(json, "os"));
  RECLAIM_ASSIGN_OR_RETURN(out.platform.variant, StringField(json, "variant"));
  RECLAIM_ASSIGN_OR_RETURN(out.platform.os_version, StringField(json, "os.version"));
  return out;
}

std::vector<std::string> ChainIds(const std::vector<std::string>& diff_ids) {
  std::vector<std::string> chains;
  chains.reserve(diff_ids.size());
  for (const std::string& id : diff_ids) {
    if (chains.empty()) {
      chains.push_back(id);
    } else {
      chains.push_back(Digest::Sha256Of(chains.back() + " " + id).str());
    }
  }
  return chains;
}

// ---- BlobParseCache

std::shared_ptr<const std::vector<Descriptor>> BlobParseCache::FindChildren(
    const Descriptor& desc) const {
  ReaderMutexLock lock(&mu_);
  auto it = children_.find(ChildrenKey(desc));
  return it == children_.end() ? nullptr : it->second;
}

std::shared_ptr<const std::vector<Descriptor>> BlobParseCache::PutChildren(
    const Descriptor& desc, std::vector<Descriptor> children) {
  auto value = std::make_shared<const std::vector<Descriptor>>(std::move(children));
  MutexLock lock(&mu_);
  MaybeClearLocked();
  children_[ChildrenKey(desc)] = value;
  return value;
}

std::shared_ptr<const ConfigSummary> BlobParseCache::FindConfig(const Digest& digest) const {
  ReaderMutexLock lock(&mu_);
  auto it = configs_.find(digest);
  return it == configs_.end() ? nullptr : it->second;
}

std::shared_ptr<const ConfigSummary> BlobParseCache::PutConfig(const Digest& digest,
                                                               ConfigSummary summary) {
  auto value = std::make_shared<const ConfigSummary>(std::move(summary));
  MutexLock lock(&mu_);
  MaybeClearLocked();
  configs_[digest] = value;
  return value;
}

size_t BlobParseCache::size() const {
  ReaderMutexLock lock(&mu_);
  return children_.size() + configs_.size();
}

void BlobParseCache::MaybeClearLocked() {
  if (children_.size() + configs_.size() < max_entries_) return;
  children_.clear();
  configs_.clear();
}

// ---- walking

namespace {

TargetWalk Walk(Store& store, const Descriptor& target, const PresentFn& present,
                BlobParseCache* cache, bool keep_summaries) {
  TargetWalk out;
  out.target = target;
  struct Item {
    Descriptor desc;
    bool attestation;
  };
  std::vector<Item> stack;
  stack.push_back({target, false});
  size_t visits = 0;
  while (!stack.empty()) {
    Item item = std::move(stack.back());
    stack.pop_back();
    const Descriptor& desc = item.desc;
    if (!present(desc.digest)) continue;
    if (++visits > kMaxWalkVisits) {
      out.error = absl::ResourceExhaustedError("walking " + target.digest.str() + ": more than " +
                                               std::to_string(kMaxWalkVisits) + " descriptors");
      return out;
    }
    out.descriptors.push_back(desc);
    bool attestation = item.attestation;
    if (IsManifest(desc.media_type) &&
        desc.annotations.contains(std::string(kAttestationReferenceTypeAnnotation))) {
      attestation = true;
    }
    if (IsConfig(desc.media_type)) {
      absl::StatusOr<std::shared_ptr<const ConfigSummary>> summary =
          ReadConfig(store, desc.digest, cache);
      if (!summary.ok()) {
        if (absl::IsNotFound(summary.status())) continue;
        out.error = summary.status();
        return out;
      }
      out.configs.push_back(ConfigLabels{desc.digest, (*summary)->labels, attestation,
                                         (*summary)->chain_ids.empty()
                                             ? std::string()
                                             : (*summary)->chain_ids.back()});
      out.chain_ids.insert(out.chain_ids.end(), (*summary)->chain_ids.begin(),
                           (*summary)->chain_ids.end());
      if (keep_summaries) out.summaries.push_back(*std::move(summary));
      continue;
    }
    if (!IsManifest(desc.media_type) && !IsIndex(desc.media_type)) continue;
    absl::StatusOr<std::shared_ptr<const std::vector<Descriptor>>> children =
        ReadChildren(store, desc, cache);
    if (!children.ok()) {
      if (absl::IsNotFound(children.status())) continue;
      out.error = children.status();
      return out;
    }
    for (auto it = (*children)->rbegin(); it != (*children)->rend(); ++it) {
      stack.push_back({*it, attestation});
    }
  }
  return out;
}

}  // namespace

TargetWalk WalkTarget(Store& store, const Descriptor& target, const PresentFn& present,
                      BlobParseCache* cache) {
  return Walk(store, target, present, cache, /*keep_summaries=*/true);
}

absl::StatusOr<Inventory> GatherInventory(Store& store, const InventoryOptions& options,
                                          TargetWalks* walks) {
  RECLAIM_RETURN_IF_ERROR(CheckCancelled(options.cancel, "gathering the inventory"));
  Inventory inv;
  inv.snapshotter = options.snapshotter;
  {
    // The records move straight into the inventory; the listing's vector is
    // freed before anything else is built.
    RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> images, store.images().ListImages());
    inv.images.reserve(images.size());
    for (ImageRecord& record : images) {
      ImageInventory image;
      image.record = std::move(record);
      inv.images.push_back(std::move(image));
    }
  }
  if (options.gc_graph) {
    inv.graph.images.reserve(inv.images.size());
    for (const ImageInventory& image : inv.images) {
      inv.graph.images[image.record.name] =
          gc::ImageRecord{image.record.target.digest.str(), image.record.labels};
    }
  }
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContainerRecord> containers,
                           store.containers().ListContainers());
  absl::flat_hash_set<Digest> present;
  {
    RECLAIM_ASSIGN_OR_RETURN(std::vector<ContentInfo> content, store.content().ListContent());
    present.reserve(content.size());
    if (options.gc_graph) inv.graph.content.reserve(content.size());
    for (ContentInfo& c : content) {
      inv.content_sizes.insert_or_assign(inv.content_sizes.end(), c.digest, c.size);
      if (options.gc_graph) {
        inv.graph.content[c.digest.str()] = gc::ContentRecord{std::move(c.labels)};
      }
      present.insert(std::move(c.digest));
    }
  }
  std::vector<Lease> leases;
  if (options.gc_graph) {
    RECLAIM_ASSIGN_OR_RETURN(leases, store.leases().ListLeases());
  }
  RECLAIM_ASSIGN_OR_RETURN(std::vector<SnapshotUsage> snapshots, store.snapshots().ListSnapshots());

  for (Lease& l : leases) {
    gc::LeaseRecord record;
    record.labels = std::move(l.labels);
    for (const LeaseResource& r : l.resources) record.resources.push_back(LeaseResourceId(r));
    inv.graph.leases[l.id] = std::move(record);
  }
  for (SnapshotUsage& s : snapshots) {
    if (options.snapshotter.empty() || s.snapshotter == options.snapshotter) {
      inv.snapshot_sizes[s.key] = s.size;
    }
    if (options.gc_graph) {
      inv.graph.snapshots[s.snapshotter][s.key] =
          gc::SnapshotRecord{std::move(s.parent), std::move(s.labels)};
    }
  }
  if (options.gc_graph) {
    for (const ContainerRecord& c : containers) {
      inv.graph.containers[c.id] = gc::ContainerRecord{c.snapshotter, c.snapshot_key, c.labels};
    }
  }
  inv.containers = std::move(containers);

  // One walk per distinct target (digest and media type: the media type decides
  // how the blob is read). The keys point into inv.images, which no longer grows.
  absl::flat_hash_map<std::pair<absl::string_view, absl::string_view>, size_t> target_index;
  std::vector<const Descriptor*> targets;
  std::vector<size_t> walk_of(inv.images.size());
  for (size_t i = 0; i < inv.images.size(); ++i) {
    const Descriptor& target = inv.images[i].record.target;
    auto [it, inserted] =
        target_index.try_emplace(std::make_pair(absl::string_view(target.digest.str()),
                                                absl::string_view(target.media_type)),
                                 targets.size());
    if (inserted) targets.push_back(&target);
    walk_of[i] = it->second;
  }
  decltype(target_index)().swap(target_index);  // freed before the walks

  std::vector<std::shared_ptr<TargetWalk>> results(targets.size());
  const PresentFn is_present = [&present](const Digest& d) { return present.contains(d); };
  std::atomic<size_t> next{0};
  std::atomic<size_t> walked{0};
  std::atomic<bool> cancelled{false};
  auto worker = [&] {
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= targets.size()) return;
      if (options.cancel != nullptr && options.cancel->cancelled()) {
        cancelled.store(true);
        return;
      }
      results[i] = std::make_shared<TargetWalk>(
          Walk(store, *targets[i], is_present, options.cache, options.config_summaries));
      if (options.on_walk) options.on_walk(walked.fetch_add(1) + 1, targets.size());
    }
  };
  const size_t threads =
      std::min(targets.size(), static_cast<size_t>(std::max(1, options.parallelism)));
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (std::thread& t : pool) t.join();
  }
  if (cancelled.load()) {
    return CheckCancelled(options.cancel, "gathering the inventory");
  }

  for (size_t i = 0; i < inv.images.size(); ++i) {
    ImageInventory& image = inv.images[i];
    image.walk = results[walk_of[i]];
    image.walk_error = image.walk->error;
  }
  if (walks != nullptr) {
    walks->clear();
    for (const std::shared_ptr<TargetWalk>& w : results) walks->try_emplace(w->target.digest, w);
  }
  return inv;
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

}  // namespace reclaim
