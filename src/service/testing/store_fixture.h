// File: service/testing/store_fixture.h
//
// Test helpers for service/ and service/prune/: an embedded LocalStore on a
// temporary root (removed afterwards), and a builder that writes small image
// graphs into any Store the way a pull or load leaves them: layers, an OCI
// config with labels/platform/created/history, a manifest carrying
// containerd's gc.ref labels, indexes over several platforms with BuildKit
// attestation manifests, image records and container records.
//
//   TempLocalStore root;
//   GraphBuilder b(root.store());
//   Descriptor m = b.Image("app", {"base", "app-top"}, {{"team", "a"}});
//   b.Name("busybox:latest", m);
//   b.Container("c1", "busybox", m.digest);
//
// Thread-safety: test use; one builder per thread.
#ifndef RECLAIM_SERVICE_TESTING_STORE_FIXTURE_H_
#define RECLAIM_SERVICE_TESTING_STORE_FIXTURE_H_

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/descriptor.h"
#include "core/digest.h"
#include "core/media_types.h"
#include "core/reference.h"
#include "gtest/gtest.h"
#include "imageio/go_json.h"
#include "imageio/testing/image_builder.h"
#include "imageio/walk.h"
#include "platform/clock.h"
#include "store/local/local_store.h"
#include "store/forwarding_store.h"
#include "store/store.h"

namespace reclaim::service_testing {

// A LocalStore on a fresh temporary root; the root is removed on destruction.
class TempLocalStore {
 public:
  explicit TempLocalStore(const Clock* clock = nullptr) {
    char tmpl[] = "/tmp/reclaim-service-test-XXXXXX";
    const char* dir = ::mkdtemp(tmpl);
    if (dir == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
      return;
    }
    dir_ = dir;
    LocalStoreOptions o;
    o.root = dir_ + "/root";
    o.clock = clock;
    o.sync = false;
    auto s = LocalStore::Open(o);
    if (!s.ok()) {
      ADD_FAILURE() << s.status();
      return;
    }
    store_ = *std::move(s);
  }
  ~TempLocalStore() {
    store_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  TempLocalStore(const TempLocalStore&) = delete;
  TempLocalStore& operator=(const TempLocalStore&) = delete;

  LocalStore& store() { return *store_; }

 private:
  std::string dir_;
  std::unique_ptr<LocalStore> store_;
};

struct ImageSpec {
  std::vector<std::string> layers;  // layer seeds: equal seeds are the same blob
  Labels labels;                    // config.Labels
  std::string arch = "amd64";
  std::string os = "linux";
  std::string created = "2024-01-02T03:04:05Z";  // config `created`; empty: none
  std::vector<std::string> history;              // created_by of each layer (default generated)
};

// Writes image graphs into a Store. Every call ADD_FAILUREs on a store error.
class GraphBuilder {
 public:
  explicit GraphBuilder(Store& store) : store_(store) {}

  Descriptor Layer(const std::string& seed) {
    TestBlob b = MakeTestBlob("layer bytes of " + seed + std::string(seed.size() % 7 * 13, 'x'),
                              media_types::kOciLayer);
    Put(b, {});
    return b.desc;
  }

  // Layers, config and manifest (with containerd's gc labels); returns the manifest.
  Descriptor Image(const std::string& seed, const ImageSpec& spec) {
    std::vector<Descriptor> layers;
    std::vector<std::string> diff_ids;
    for (const std::string& l : spec.layers) {
      layers.push_back(Layer(l));
      diff_ids.push_back(layers.back().digest.str());
    }
    std::string config = "{";
    if (!spec.created.empty()) config += "\"created\":" + GoJsonString(spec.created) + ",";
    config += "\"architecture\":" + GoJsonString(spec.arch) + ",\"os\":" + GoJsonString(spec.os) +
              ",\"config\":{\"Env\":[\"PATH=/usr/bin\"],\"Cmd\":[\"/bin/sh\"]";
    if (!spec.labels.empty()) config += ",\"Labels\":" + GoJsonStringMap(spec.labels);
    config += "},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":" +
              GoJsonStringArray(diff_ids, false) + "},\"history\":[";
    for (size_t i = 0; i < layers.size(); ++i) {
      if (i > 0) config += ",";
      const std::string by = i < spec.history.size() ? spec.history[i] : "ADD layer " + spec.layers[i];
      config += "{\"created\":" + GoJsonString(spec.created.empty() ? "2024-01-01T00:00:00Z" : spec.created) +
                ",\"created_by\":" + GoJsonString(by) + "}";
    }
    config += std::string(layers.empty() ? "" : ",") +
              "{\"created_by\":\"CMD [\\\"/bin/sh\\\"]\",\"empty_layer\":true}]}";
    // The seed keeps configs of equal content apart.
    config.insert(1, "\"author\":" + GoJsonString("seed " + seed) + ",");
    TestBlob cfg = MakeTestBlob(config, media_types::kOciConfig);
    Put(cfg, {});
    TestBlob manifest = MakeTestBlob(GoJsonOciManifest(cfg.desc, layers), media_types::kOciManifest);
    std::vector<Descriptor> children{cfg.desc};
    children.insert(children.end(), layers.begin(), layers.end());
    Put(manifest, ChildGcLabels(children));
    Descriptor d = manifest.desc;
    Platform p;
    p.architecture = spec.arch;
    p.os = spec.os;
    d.platform = p;
    return d;
  }
  Descriptor Image(const std::string& seed, std::vector<std::string> layers, Labels labels = {}) {
    ImageSpec spec;
    spec.layers = std::move(layers);
    spec.labels = std::move(labels);
    return Image(seed, spec);
  }

  // A BuildKit attestation manifest for `subject` (in-toto layer, OCI config),
  // as the index lists it (annotated, platform unknown/unknown).
  Descriptor Attestation(const std::string& seed, const Descriptor& subject, Labels labels = {}) {
    TestBlob statement = MakeTestBlob("{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"seed\":" +
                                          GoJsonString(seed) + "}",
                                      media_types::kInToto);
    Put(statement, {});
    std::string config = "{\"architecture\":\"unknown\",\"os\":\"unknown\",\"config\":{";
    if (!labels.empty()) config += "\"Labels\":" + GoJsonStringMap(labels);
    config += "},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + GoJsonString(statement.desc.digest.str()) + "]}}";
    TestBlob cfg = MakeTestBlob(config, media_types::kOciConfig);
    Put(cfg, {});
    TestBlob manifest =
        MakeTestBlob(GoJsonOciManifest(cfg.desc, {statement.desc}), media_types::kOciManifest);
    Put(manifest, ChildGcLabels({cfg.desc, statement.desc}));
    Descriptor d = manifest.desc;
    d.annotations["vnd.docker.reference.type"] = "attestation-manifest";
    d.annotations["vnd.docker.reference.digest"] = subject.digest.str();
    Platform p;
    p.architecture = "unknown";
    p.os = "unknown";
    d.platform = p;
    return d;
  }

  // An OCI index over `manifests` (with gc labels).
  Descriptor Index(const std::vector<Descriptor>& manifests) {
    std::string body = GoJsonOciIndex(manifests);
    body.insert(1, "\"mediaType\":\"application/vnd.oci.image.index.v1+json\",");
    TestBlob idx = MakeTestBlob(body, media_types::kOciIndex);
    Put(idx, ChildGcLabels(manifests));
    return idx.desc;
  }

  // An image record under the canonical form of `name` (`busybox` ->
  // `docker.io/library/busybox:latest`); returns the stored name.
  std::string Name(const std::string& name, const Descriptor& target) {
    std::string stored = Canonical(name);
    ImageRecord r;
    r.name = stored;
    r.target = Strip(target);
    auto s = store_.images().CreateImage(r);
    if (!s.ok()) ADD_FAILURE() << "CreateImage " << stored << ": " << s.status();
    return stored;
  }
  std::string Dangling(const Descriptor& target) {
    ImageRecord r;
    r.name = std::string(kDanglingPrefix) + target.digest.str();
    r.target = Strip(target);
    auto s = store_.images().CreateImage(r);
    if (!s.ok()) ADD_FAILURE() << "CreateImage " << r.name << ": " << s.status();
    return r.name;
  }

  // A container record (as ContainerService would make it).
  void Container(const std::string& id, const std::string& image, const Digest& image_id,
                 Labels labels = {}) {
    ContainerRecord c;
    c.id = id;
    c.name = "c_" + id.substr(0, std::min<size_t>(id.size(), 12));
    c.image = image;
    c.image_id = image_id;
    c.labels = std::move(labels);
    auto s = store_.containers().CreateContainer(c);
    if (!s.ok()) ADD_FAILURE() << "CreateContainer " << id << ": " << s.status();
  }

  static std::string Canonical(const std::string& name) {
    auto ref = ParseNormalizedNamed(name);
    if (!ref.ok()) return name;
    return TagNameOnly(*ref).String();
  }
  // A 64-hex container id made from a seed.
  static std::string ContainerId(const std::string& seed) {
    return std::string(Digest::Sha256Of(seed).hex());
  }

 private:
  // Image records point at a target without annotations/platform, as a pull does.
  static Descriptor Strip(Descriptor d) {
    d.annotations.clear();
    d.platform.reset();
    return d;
  }
  void Put(const TestBlob& blob, const Labels& labels) {
    absl::Status s = PutTestBlob(store_, blob, labels);
    if (!s.ok()) ADD_FAILURE() << "PutTestBlob " << blob.desc.digest.str() << ": " << s;
  }

  Store& store_;
};

// Forwards to another Store and counts the per-blob reads (ReadBlob, Info,
// OpenBlob) and the collections, so tests can check that bulk calls replaced
// per-blob round trips and that a prune collects once.
class CountingStore final : public ForwardingStore {
 public:
  explicit CountingStore(Store& base)
      : ForwardingStore(base),
        content_(base.content(), *this),
        collector_(base.collector(), *this) {}
  std::atomic<int> read_blobs{0};
  std::atomic<int> infos{0};
  std::atomic<int> collections{0};

  std::string Describe() const override { return "counting " + base().Describe(); }
  ContentStore& content() override { return content_; }
  Collector& collector() override { return collector_; }

 private:
  class Content final : public ForwardingContentStore {
   public:
    Content(ContentStore& base, CountingStore& counts)
        : ForwardingContentStore(base), counts_(counts) {}
    absl::StatusOr<ContentInfo> Info(const Digest& d) override {
      ++counts_.infos;
      return ForwardingContentStore::Info(d);
    }
    absl::StatusOr<std::string> ReadBlob(const Digest& d, int64_t max) override {
      ++counts_.read_blobs;
      return ForwardingContentStore::ReadBlob(d, max);
    }
    absl::StatusOr<std::unique_ptr<BlobReader>> OpenBlob(const Digest& d) override {
      ++counts_.read_blobs;
      return ForwardingContentStore::OpenBlob(d);
    }

   private:
    CountingStore& counts_;
  };
  class Collections final : public Collector {
   public:
    Collections(Collector& base, CountingStore& counts) : base_(base), counts_(counts) {}
    absl::StatusOr<CollectResult> Collect() override {
      ++counts_.collections;
      return base_.Collect();
    }
    absl::StatusOr<BatchDeleteResult> DeleteImagesAndCollect(
        const std::vector<std::string>& names, const DeleteAndCollectOptions& options) override {
      ++counts_.collections;
      return base_.DeleteImagesAndCollect(names, options);
    }

   private:
    Collector& base_;
    CountingStore& counts_;
  };

  Content content_;
  Collections collector_;
};

}  // namespace reclaim::service_testing

#endif  // RECLAIM_SERVICE_TESTING_STORE_FIXTURE_H_
