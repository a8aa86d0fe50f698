// ImageService::Inspect and History: GET /images/{name}/json and /history.
#include "service/image_service.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "core/media_types.h"
#include "core/reference.h"
#include "core/status.h"
#include "imageio/names.h"
#include "service/image_views.h"
#include "service/prune/options.h"
#include "service/resolve.h"

namespace reclaim {

using namespace image_views;  // NOLINT: what list and inspect share

namespace {

std::optional<absl::Time> ParseGoTime(const nlohmann::json& v) {
  if (!v.is_string()) return std::nullopt;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, v.get<std::string>(), &t, &err)) return std::nullopt;
  return t;
}

std::string JsonString(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool EmptyJson(const nlohmann::json& v) {
  return v.is_null() || (v.is_string() && v.get<std::string>().empty()) ||
         ((v.is_array() || v.is_object()) && v.empty()) || (v.is_boolean() && !v.get<bool>());
}

// The configured one, in moby's ImageInspect key order (omitempty).
nlohmann::ordered_json InspectConfig(const nlohmann::json& config) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  if (!config.is_object()) return out;
  for (const char* key : {"User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes",
                          "WorkingDir", "Labels", "StopSignal", "ArgsEscaped", "Healthcheck",
                          "OnBuild", "Shell"}) {
    auto it = config.find(key);
    if (it == config.end() || EmptyJson(*it)) continue;
    out[key] = nlohmann::ordered_json::parse(it->dump());
  }
  return out;
}


}  // namespace

// ---- inspect and history

namespace {

struct ImageView {
  ImageRecord record;
  std::vector<ImageRecord> all;  // same target, sorted by name
  TargetWalk walk;
  std::map<Digest, int64_t> sizes;
  int config = -1;
  nlohmann::json config_json;
};

absl::StatusOr<ImageView> View(Store& store, BlobParseCache& cache, std::string_view ref_or_id) {
  ImageView v;
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> images, store.images().ListImages());
  RECLAIM_ASSIGN_OR_RETURN(v.record, ResolveImage(images, ref_or_id));
  for (const ImageRecord& r : images) {
    if (r.target.digest == v.record.target.digest) v.all.push_back(r);
  }
  std::sort(v.all.begin(), v.all.end(),
            [](const ImageRecord& a, const ImageRecord& b) { return a.name < b.name; });
  v.walk = WalkTarget(
      store, v.record.target,
      [&](const Digest& d) {
        absl::StatusOr<ContentInfo> info = store.content().Info(d);
        if (!info.ok()) return false;
        v.sizes[d] = info->size;
        return true;
      },
      &cache);
  RECLAIM_RETURN_IF_ERROR(v.walk.error);
  v.config = SelectConfig(v.walk);
  if (v.config < 0) {
    return absl::NotFoundError("image with reference " + ImageFamiliarName(v.record) +
                               " was found but does not provide the specified platform");
  }
  const Digest& config = v.walk.configs[v.config].digest;
  RECLAIM_ASSIGN_OR_RETURN(std::string bytes, store.content().ReadBlob(config, kMaxConfigSize));
  RECLAIM_ASSIGN_OR_RETURN(v.config_json, ParseJson(bytes));
  if (!v.config_json.is_object()) v.config_json = nlohmann::json::object();
  return v;
}

}  // namespace

absl::StatusOr<ImageInspect> ImageService::Inspect(std::string_view ref_or_id) {
  RECLAIM_ASSIGN_OR_RETURN(ImageView v, View(store_, cache_, ref_or_id));
  ImageInspect out;
  out.id = v.record.target.digest;
  out.descriptor = v.record.target;
  std::vector<const ImageRecord*> group;
  for (const ImageRecord& r : v.all) group.push_back(&r);
  RepoNames(group, &out.repo_tags, &out.repo_digests);
  for (const ImageRecord& r : v.all) {
    if (IsDangling(r)) continue;
    if (!out.last_tag_time.has_value() || r.updated_at > *out.last_tag_time) {
      out.last_tag_time = r.updated_at;
    }
  }
  const nlohmann::json& c = v.config_json;
  auto created = c.find("created");
  if (created != c.end()) out.created = ParseGoTime(*created);
  out.comment = JsonString(c, "comment");
  out.docker_version = JsonString(c, "docker_version");
  out.author = JsonString(c, "author");
  auto section = c.find("config");
  if (section != c.end()) out.config = InspectConfig(*section);
  const ConfigSummary& summary = *v.walk.summaries[v.config];
  out.architecture = summary.platform.architecture;
  out.variant = summary.platform.variant;
  out.os = summary.platform.os;
  out.os_version = summary.platform.os_version;
  auto rootfs = c.find("rootfs");
  if (rootfs != c.end() && rootfs->is_object()) {
    const std::string type = JsonString(*rootfs, "type");
    if (!type.empty()) out.rootfs_type = type;
  }
  out.rootfs_layers = summary.diff_ids;
  out.graph_driver = options_.snapshotter;
  std::set<Digest> seen;
  for (const Descriptor& d : v.walk.descriptors) {
    if (seen.insert(d.digest).second) out.size += v.sizes[d.digest];
  }
  RECLAIM_ASSIGN_OR_RETURN(std::vector<SnapshotUsage> snapshots,
                           store_.snapshots().ListSnapshots());
  std::set<std::string> chains(v.walk.chain_ids.begin(), v.walk.chain_ids.end());
  for (const SnapshotUsage& s : snapshots) {
    if ((options_.snapshotter.empty() || s.snapshotter == options_.snapshotter) &&
        chains.erase(s.key) > 0) {
      out.size += s.size;
    }
  }
  return out;
}

absl::StatusOr<std::vector<ImageHistoryItem>> ImageService::History(std::string_view ref_or_id) {
  RECLAIM_ASSIGN_OR_RETURN(ImageView v, View(store_, cache_, ref_or_id));
  // The manifest of the chosen config precedes it in the walk.
  const Digest& config = v.walk.configs[v.config].digest;
  std::vector<Descriptor> layers;
  for (size_t i = 1; i < v.walk.descriptors.size(); ++i) {
    if (v.walk.descriptors[i].digest == config && IsManifest(v.walk.descriptors[i - 1].media_type)) {
      absl::StatusOr<std::string> bytes =
          store_.content().ReadBlob(v.walk.descriptors[i - 1].digest, kMaxConfigSize);
      if (bytes.ok()) {
        absl::StatusOr<Manifest> m = ParseManifest(*bytes);
        if (m.ok()) layers = m->layers;
      }
      break;
    }
  }
  RECLAIM_ASSIGN_OR_RETURN(std::vector<SnapshotUsage> snapshots,
                           store_.snapshots().ListSnapshots());
  std::map<std::string, int64_t> snapshot_size;
  for (const SnapshotUsage& s : snapshots) {
    if (options_.snapshotter.empty() || s.snapshotter == options_.snapshotter) {
      snapshot_size[s.key] = s.size;
    }
  }
  const ConfigSummary& summary = *v.walk.summaries[v.config];

  std::vector<ImageHistoryItem> items;
  auto history = v.config_json.find("history");
  size_t layer = 0;
  if (history != v.config_json.end() && history->is_array()) {
    for (const nlohmann::json& h : *history) {
      if (!h.is_object()) continue;
      ImageHistoryItem item;
      item.id = "<missing>";
      auto created = h.find("created");
      if (created != h.end()) {
        if (std::optional<absl::Time> t = ParseGoTime(*created)) item.created = absl::ToUnixSeconds(*t);
      }
      item.created_by = JsonString(h, "created_by");
      item.comment = JsonString(h, "comment");
      auto empty = h.find("empty_layer");
      const bool empty_layer = empty != h.end() && empty->is_boolean() && empty->get<bool>();
      if (!empty_layer) {
        if (layer < summary.chain_ids.size() && snapshot_size.contains(summary.chain_ids[layer])) {
          item.size = snapshot_size[summary.chain_ids[layer]];
        } else if (layer < layers.size()) {
          item.size = layers[layer].size;
        }
        ++layer;
      }
      items.push_back(std::move(item));
    }
  }
  std::reverse(items.begin(), items.end());
  if (!items.empty()) {
    items.front().id = v.record.target.digest.str();
    std::vector<const ImageRecord*> group;
    for (const ImageRecord& r : v.all) group.push_back(&r);
    std::vector<std::string> digests;
    RepoNames(group, &items.front().tags, &digests);
  }
  return items;
}


}  // namespace reclaim
