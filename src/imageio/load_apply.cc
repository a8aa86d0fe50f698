// File: imageio/load_apply.cc
//
// The last steps of a load, whatever the format: check every target's graph
// (blob present in the archive or the store, sizes as the descriptors say,
// manifests and indexes parse, limits) and remember the gc labels; then set
// those labels and create or move the image records.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/media_types.h"
#include "core/status.h"
#include "imageio/load_internal.h"
#include "imageio/store_writes.h"
#include "imageio/walk.h"

namespace reclaim::load_internal {

absl::StatusOr<int64_t> Loader::Lookup(const Digest& d) {
  if (auto it = archive_blobs_.find(d); it != archive_blobs_.end()) return it->second;
  if (auto it = store_sizes_.find(d); it != store_sizes_.end()) {
    if (it->second < 0) return absl::NotFoundError(d.str());
    return it->second;
  }
  RECLAIM_RETURN_IF_ERROR(lease_->Protect(d));
  absl::StatusOr<ContentInfo> info = store_.content().Info(d);
  if (!info.ok()) {
    if (!absl::IsNotFound(info.status())) return info.status();
    store_sizes_[d] = -1;
    return absl::NotFoundError(d.str());
  }
  store_sizes_[d] = info->size;
  return info->size;
}

absl::StatusOr<std::string> Loader::ReadJsonBlob(const Digest& d, const std::string& where) {
  absl::StatusOr<std::string> bytes = store_.content().ReadBlob(d, opts_.max_json_size);
  if (absl::IsResourceExhausted(bytes.status())) {
    return Invalid(where + ": " + d.str() + " is larger than the limit of " +
                   std::to_string(opts_.max_json_size) + " bytes");
  }
  if (absl::IsNotFound(bytes.status())) return Invalid(where + ": " + d.str() + " vanished");
  return bytes;
}

absl::StatusOr<Presence> Loader::Check(const Descriptor& d, const std::string& where, int depth) {
  absl::StatusOr<int64_t> size = Lookup(d.digest);
  if (!size.ok()) {
    if (absl::IsNotFound(size.status())) return Presence::kMissing;
    return size.status();
  }
  if (*size != d.size) {
    return Invalid(where + ": size mismatch for " + d.digest.str() + ": the descriptor says " +
                   std::to_string(d.size) + " bytes, the blob has " + std::to_string(*size));
  }
  const bool manifest = IsManifest(d.media_type);
  const bool index = IsIndex(d.media_type);
  const bool config = IsConfig(d.media_type);
  if (!manifest && !index && !config) return Presence::kComplete;

  const std::string key = d.digest.str() + " " + d.media_type;
  if (auto it = memo_.find(key); it != memo_.end()) return it->second.presence;
  if (config) {
    RECLAIM_ASSIGN_OR_RETURN(std::string bytes, ReadJsonBlob(d.digest, where));
    absl::StatusOr<json> doc = ParseJson(bytes);
    if (!doc.ok()) return Invalid(where + " (" + d.digest.str() + "): " + Msg(doc.status()));
    if (!doc->is_object()) {
      return Invalid(where + " (" + d.digest.str() + "): expected a JSON object, got " +
                     doc->type_name());
    }
    memo_[key] = NodeState{};
    return Presence::kComplete;
  }
  if (++nodes_ > opts_.max_graph_nodes) {
    return Invalid("the image graph has more than " + std::to_string(opts_.max_graph_nodes) +
                   " manifests and indexes");
  }
  if (depth > opts_.max_index_depth) {
    return Invalid(where + ": indexes nested deeper than " + std::to_string(opts_.max_index_depth) +
                   " levels");
  }
  const std::string here = where + " (" + d.digest.str() + ")";
  RECLAIM_ASSIGN_OR_RETURN(std::string bytes, ReadJsonBlob(d.digest, where));
  if (absl::Status s = ValidateMediaType(bytes, d.media_type); !s.ok()) {
    return Invalid(here + ": " + Msg(s));
  }
  NodeState st;
  if (manifest) {
    absl::StatusOr<Manifest> m = ParseManifest(bytes);
    if (!m.ok()) return Invalid(here + ": " + Msg(m.status()));
    if (static_cast<int64_t>(m->layers.size()) > opts_.max_layers) {
      return Invalid(here + " has more than " + std::to_string(opts_.max_layers) + " layers");
    }
    std::vector<Descriptor> children;
    children.push_back(m->config);
    children.insert(children.end(), m->layers.begin(), m->layers.end());
    labels_[d.digest] = ChildGcLabels(children);
    RECLAIM_ASSIGN_OR_RETURN(Presence cfg, Check(m->config, here + " config", depth));
    if (cfg == Presence::kMissing) {
      st = {Presence::kIncomplete, "config " + m->config.digest.str()};
    }
    for (size_t i = 0; i < m->layers.size(); ++i) {
      const Descriptor& layer = m->layers[i];
      RECLAIM_ASSIGN_OR_RETURN(Presence p,
                               Check(layer, here + " layers[" + std::to_string(i) + "]", depth));
      if (p == Presence::kMissing && !IsNonDistributable(layer.media_type) &&
          st.presence == Presence::kComplete) {
        st = {Presence::kIncomplete, "layer " + layer.digest.str()};
      }
    }
  } else {
    absl::StatusOr<Index> idx = ParseIndex(bytes);
    if (!idx.ok()) return Invalid(here + ": " + Msg(idx.status()));
    if (static_cast<int64_t>(idx->manifests.size()) > opts_.max_images) {
      return Invalid(here + " lists more than " + std::to_string(opts_.max_images) + " manifests");
    }
    labels_[d.digest] = ChildGcLabels(idx->manifests);
    bool any = false;
    for (size_t i = 0; i < idx->manifests.size(); ++i) {
      RECLAIM_ASSIGN_OR_RETURN(
          Presence p,
          Check(idx->manifests[i], here + " manifests[" + std::to_string(i) + "]", depth + 1));
      if (p == Presence::kComplete) any = true;
    }
    if (!any) st = {Presence::kIncomplete, "every manifest of the index"};
  }
  memo_[key] = st;
  return st.presence;
}

absl::Status Loader::CheckTarget(const Descriptor& d, const std::string& where) {
  if (!IsManifest(d.media_type) && !IsIndex(d.media_type)) {
    return Invalid(where + ": unsupported media type " + Quote(d.media_type) +
                   " (an image target must be a manifest or an index)");
  }
  RECLAIM_ASSIGN_OR_RETURN(Presence p, Check(d, where, 0));
  if (p == Presence::kMissing) {
    return Invalid(where + ": blob " + d.digest.str() +
                   " is missing (neither in the archive nor in the store)");
  }
  if (p == Presence::kIncomplete) {
    return Invalid(where + ": image " + d.digest.str() + " is incomplete: missing " +
                   memo_[d.digest.str() + " " + d.media_type].missing);
  }
  return absl::OkStatus();
}

absl::Status Loader::Apply() {
  for (const auto& [digest, labels] : labels_) {
    if (labels.empty()) continue;
    RECLAIM_RETURN_IF_ERROR(store_.content().UpdateContentLabels(digest, labels).status());
  }
  for (const auto& [name, target] : targets_) {
    RECLAIM_ASSIGN_OR_RETURN(ImageUpsert u, CreateOrUpdateImage(store_, name, target));
    LoadedImage li;
    li.name = name;
    li.target = target;
    li.created = u.created;
    li.previous_target = std::move(u.previous_target);
    result_.images.push_back(std::move(li));
  }
  return absl::OkStatus();
}

}  // namespace reclaim::load_internal
