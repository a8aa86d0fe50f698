// File: service/prune/inventory_builder_for_test.h
//
// Test helper: builds an Inventory the way the service would gather it from a
// store, from a small in-memory model of blobs, images and containers. The walk
// (pre-order, absent blobs skipped with their subtree, duplicates kept), the
// attestation flag of configs, chain IDs and the GC graph (gc.ref.content
// labels on manifests and indexes, gc.ref.snapshot on configs, snapshot parent
// chains) are derived from the model, so tests only state the store.
//
// Thread-safety: not thread-safe; test use only.
#ifndef RECLAIM_SERVICE_PRUNE_INVENTORY_BUILDER_FOR_TEST_H_
#define RECLAIM_SERVICE_PRUNE_INVENTORY_BUILDER_FOR_TEST_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/media_types.h"
#include "service/prune/plan.h"

namespace reclaim::prune_testing {

inline const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

class InventoryBuilder {
 public:
  explicit InventoryBuilder(std::string snapshotter = "overlayfs")
      : snapshotter_(std::move(snapshotter)) {}

  Descriptor Layer(std::string_view seed, int64_t size = 100) {
    return Add(media_types::kOciLayerGzip, "layer:" + std::string(seed), size, {}, {}, {});
  }
  // A config whose rootfs is `layers` (their digests stand for the diff IDs).
  Descriptor Config(std::string_view seed, Labels labels = {},
                    const std::vector<Descriptor>& layers = {}, int64_t size = 10) {
    std::vector<std::string> chains;
    for (const Descriptor& l : layers) {
      chains.push_back(chains.empty()
                           ? l.digest.str()
                           : Digest::Sha256Of(chains.back() + " " + l.digest.str()).str());
    }
    return Add(media_types::kOciConfig, "config:" + std::string(seed), size, {}, std::move(labels),
               std::move(chains));
  }
  Descriptor Manifest(std::string_view seed, const Descriptor& config,
                      const std::vector<Descriptor>& layers, int64_t size = 50) {
    std::vector<Descriptor> children{config};
    children.insert(children.end(), layers.begin(), layers.end());
    return Add(media_types::kOciManifest, "manifest:" + std::string(seed), size,
               std::move(children), {}, {});
  }
  Descriptor Index(std::string_view seed, const std::vector<Descriptor>& manifests,
                   int64_t size = 60) {
    return Add(media_types::kOciIndex, "index:" + std::string(seed), size, manifests, {}, {});
  }
  // A blob of an unknown type, no children.
  Descriptor Other(std::string_view seed, int64_t size = 7) {
    return Add("application/x-test", "other:" + std::string(seed), size, {}, {}, {});
  }
  // config + one layer per entry of `layer_seeds` + manifest; returns the manifest.
  Descriptor SimpleImage(std::string_view seed, Labels labels = {},
                         const std::vector<std::string>& layer_seeds = {}) {
    std::vector<Descriptor> layers;
    for (const std::string& s : layer_seeds) layers.push_back(Layer(s));
    if (layers.empty()) layers.push_back(Layer(std::string(seed) + "-own"));
    Descriptor config = Config(seed, std::move(labels), layers);
    return Manifest(seed, config, layers);
  }
  // `d` as referenced from an index with the BuildKit attestation annotation.
  static Descriptor AsAttestation(Descriptor d) {
    d.annotations[std::string(kAttestationReferenceTypeAnnotation)] = "attestation-manifest";
    return d;
  }

  // The blob is not in the content store.
  InventoryBuilder& Absent(const Descriptor& d) {
    absent_.insert(d.digest);
    return *this;
  }
  // A present blob nothing references.
  InventoryBuilder& Orphan(std::string_view seed, int64_t size) {
    Descriptor d = Other(seed, size);
    (void)d;
    return *this;
  }
  InventoryBuilder& SnapshotSize(const std::string& chain_id, int64_t size) {
    snapshot_sizes_[chain_id] = size;
    return *this;
  }

  InventoryBuilder& Image(std::string name, const Descriptor& target, absl::Time created = kT0) {
    images_.push_back({std::move(name), target, created, absl::OkStatus()});
    return *this;
  }
  // A label on the image record `name` (not its config).
  InventoryBuilder& RecordLabel(const std::string& name, std::string key, std::string value) {
    record_labels_[name][std::move(key)] = std::move(value);
    return *this;
  }
  InventoryBuilder& Dangling(const Descriptor& target, absl::Time created = kT0) {
    return Image(std::string(kDanglingPrefix) + target.digest.str(), target, created);
  }
  InventoryBuilder& WalkError(const std::string& name, absl::Status status) {
    for (ImageSpec& i : images_) {
      if (i.name == name) i.walk_error = std::move(status);
    }
    return *this;
  }
  InventoryBuilder& Container(std::string id, std::string image, const Digest& image_id) {
    ContainerRecord c;
    c.id = std::move(id);
    c.name = "c-" + c.id.substr(0, 6);
    c.image = std::move(image);
    c.image_id = image_id;
    containers_.push_back(std::move(c));
    return *this;
  }

  // The chain IDs of a config, in order.
  std::vector<std::string> ChainIds(const Descriptor& config) const {
    return blobs_.at(config.digest).chains;
  }

  Inventory Build() const {
    Inventory inv;
    inv.snapshotter = snapshotter_;
    for (const auto& [digest, blob] : blobs_) {
      if (absent_.contains(digest)) continue;
      inv.content_sizes[digest] = blob.desc.size;
      gc::ContentRecord record;
      int n = 0;
      for (const Descriptor& child : blob.children) {
        record.labels["containerd.io/gc.ref.content." + std::to_string(n++)] = child.digest.str();
      }
      if (!blob.chains.empty()) {
        record.labels["containerd.io/gc.ref.snapshot." + snapshotter_] = blob.chains.back();
      }
      inv.graph.content[digest.str()] = std::move(record);
      for (size_t i = 0; i < blob.chains.size(); ++i) {
        gc::SnapshotRecord snap;
        if (i > 0) snap.parent = blob.chains[i - 1];
        inv.graph.snapshots[snapshotter_][blob.chains[i]] = snap;
        auto size = snapshot_sizes_.find(blob.chains[i]);
        inv.snapshot_sizes[blob.chains[i]] = size == snapshot_sizes_.end() ? 1000 : size->second;
      }
    }
    for (const ImageSpec& spec : images_) {
      ImageInventory image;
      image.record.name = spec.name;
      image.record.target = spec.target;
      image.record.created_at = spec.created;
      image.record.updated_at = spec.created;
      if (auto l = record_labels_.find(spec.name); l != record_labels_.end()) {
        image.record.labels = l->second;
      }
      image.walk_error = spec.walk_error;
      auto walk = std::make_shared<TargetWalk>();
      walk->target = spec.target;
      walk->error = spec.walk_error;
      Walk(spec.target, false, *walk);
      image.walk = std::move(walk);
      inv.images.push_back(std::move(image));
      inv.graph.images[spec.name] = gc::ImageRecord{spec.target.digest.str(), {}};
    }
    for (const ContainerRecord& c : containers_) {
      inv.containers.push_back(c);
      inv.graph.containers[c.id] = gc::ContainerRecord{};
    }
    return inv;
  }

 private:
  struct Blob {
    Descriptor desc;
    std::vector<Descriptor> children;
    Labels config_labels;
    std::vector<std::string> chains;
  };
  struct ImageSpec {
    std::string name;
    Descriptor target;
    absl::Time created;
    absl::Status walk_error;
  };

  Descriptor Add(std::string_view media_type, const std::string& seed, int64_t size,
                 std::vector<Descriptor> children, Labels labels, std::vector<std::string> chains) {
    Descriptor d;
    d.media_type = std::string(media_type);
    d.digest = Digest::Sha256Of(seed);
    d.size = size;
    blobs_[d.digest] = Blob{d, std::move(children), std::move(labels), std::move(chains)};
    return d;
  }

  // walkPresentChildren: pre-order, absent blobs skipped with their subtree.
  void Walk(const Descriptor& desc, bool attestation, TargetWalk& image) const {
    if (absent_.contains(desc.digest)) return;
    auto it = blobs_.find(desc.digest);
    if (it == blobs_.end()) return;
    image.descriptors.push_back(desc);
    const Blob& blob = it->second;
    if (IsManifest(desc.media_type) &&
        desc.annotations.contains(std::string(kAttestationReferenceTypeAnnotation))) {
      attestation = true;
    }
    if (IsConfig(desc.media_type)) {
      image.configs.push_back({desc.digest, blob.config_labels, attestation,
                               blob.chains.empty() ? std::string() : blob.chains.back()});
      image.chain_ids.insert(image.chain_ids.end(), blob.chains.begin(), blob.chains.end());
    }
    for (const Descriptor& child : blob.children) Walk(child, attestation, image);
  }

  std::string snapshotter_;
  std::map<std::string, Labels> record_labels_;
  std::map<Digest, Blob> blobs_;
  std::set<Digest> absent_;
  std::map<std::string, int64_t> snapshot_sizes_;
  std::vector<ImageSpec> images_;
  std::vector<ContainerRecord> containers_;
};

}  // namespace reclaim::prune_testing

#endif  // RECLAIM_SERVICE_PRUNE_INVENTORY_BUILDER_FOR_TEST_H_
