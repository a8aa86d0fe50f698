// The helpers the role conformance suites share (conformance.h).
#include <set>
#include <string>
#include <vector>

#include "core/media_types.h"
#include "core/status.h"
#include "nlohmann/json.hpp"
#include "store/conformance/conformance.h"

namespace reclaim::conformance {

using namespace media_types;  // NOLINT: the helpers speak in media types throughout

// Writes `bytes` as a blob (under `lease` when given) and returns its descriptor.
Descriptor Put(ContentStore& s, std::string_view media_type, const std::string& bytes,
               const Labels& labels, const std::string& lease) {
  Descriptor d;
  d.media_type = std::string(media_type);
  d.digest = Digest::Sha256Of(bytes);
  d.size = static_cast<int64_t>(bytes.size());
  WriterOptions opts;
  opts.ref = "test-" + d.digest.str();
  opts.lease_id = lease;
  auto w = s.Writer(opts);
  EXPECT_TRUE(w.ok()) << w.status();
  if (!w.ok()) return d;
  EXPECT_TRUE((*w)->Write(bytes).ok());
  absl::Status st = (*w)->Commit(d.size, d.digest, labels);
  EXPECT_TRUE(st.ok() || absl::IsAlreadyExists(st)) << st;
  return d;
}

// A one-platform image: layers (shared ones passed in), a config, a manifest
// carrying containerd's gc.ref labels. Returns the manifest descriptor.

TestImage PutImage(ContentStore& s, const std::string& tag, std::vector<Descriptor> shared_layers,
                   const std::string& lease) {
  TestImage img;
  img.layers = std::move(shared_layers);
  img.layers.push_back(Put(s, kOciLayer, "layer of " + tag, {}, lease));
  img.config = Put(
      s, kOciConfig,
      R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers"},"tag":")" + tag + "\"}",
      {}, lease);
  nlohmann::json m = {{"schemaVersion", 2},
                      {"mediaType", std::string(kOciManifest)},
                      {"config", DescriptorToJson(img.config)},
                      {"layers", nlohmann::json::array()}};
  Labels labels = {{"containerd.io/gc.ref.content.config", img.config.digest.str()}};
  for (size_t i = 0; i < img.layers.size(); ++i) {
    m["layers"].push_back(DescriptorToJson(img.layers[i]));
    labels["containerd.io/gc.ref.content.l." + std::to_string(i)] = img.layers[i].digest.str();
  }
  img.manifest = Put(s, kOciManifest, m.dump(), labels, lease);
  return img;
}

ImageRecord Record(const std::string& name, const Descriptor& target) {
  ImageRecord r;
  r.name = name;
  r.target = target;
  return r;
}

std::set<std::string> ContentDigests(ContentStore& s) {
  std::set<std::string> out;
  auto list = s.ListContent();
  EXPECT_TRUE(list.ok()) << list.status();
  if (list.ok()) {
    for (const auto& c : *list) out.insert(c.digest.str());
  }
  return out;
}

}  // namespace reclaim::conformance
