#include "imageio/walk.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "core/media_types.h"
#include "core/status.h"

namespace reclaim {

absl::Status WalkPresentChildrenWithInfo(Store& store, const Descriptor& root,
                                         const WalkInfoFn& fn) {
  // Pre-order DFS: children are pushed in reverse so the first child is
  // visited first, exactly like the recursive containerd walk.
  std::vector<Descriptor> stack;
  stack.push_back(root);
  while (!stack.empty()) {
    Descriptor desc = std::move(stack.back());
    stack.pop_back();

    absl::StatusOr<ContentInfo> info = store.content().Info(desc.digest);
    if (!info.ok()) {
      if (absl::IsNotFound(info.status())) continue;
      return info.status();
    }
    RECLAIM_RETURN_IF_ERROR(fn(desc, *info));

    if (!IsManifest(desc.media_type) && !IsIndex(desc.media_type)) continue;
    absl::StatusOr<std::string> bytes = store.content().ReadBlob(desc.digest, kMaxWalkBlobSize);
    if (!bytes.ok()) {
      if (absl::IsNotFound(bytes.status())) continue;
      return bytes.status();
    }
    RECLAIM_ASSIGN_OR_RETURN(std::vector<Descriptor> children, Children(desc, *bytes));
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
      stack.push_back(std::move(*it));
    }
  }
  return absl::OkStatus();
}

absl::Status WalkPresentChildren(Store& store, const Descriptor& root, const WalkFn& fn) {
  return WalkPresentChildrenWithInfo(
      store, root, [&fn](const Descriptor& desc, const ContentInfo&) { return fn(desc); });
}

absl::StatusOr<std::vector<Descriptor>> PresentConfigs(Store& store, const Descriptor& target) {
  std::vector<Descriptor> configs;
  absl::flat_hash_set<Digest> seen;
  RECLAIM_RETURN_IF_ERROR(WalkPresentChildren(store, target, [&](const Descriptor& d) {
    if (IsConfig(d.media_type) && seen.insert(d.digest).second) configs.push_back(d);
    return absl::OkStatus();
  }));
  return configs;
}

absl::StatusOr<std::vector<ContentInfo>> PresentBlobs(Store& store, const Descriptor& target) {
  absl::flat_hash_map<Digest, ContentInfo> blobs;
  RECLAIM_RETURN_IF_ERROR(
      WalkPresentChildrenWithInfo(store, target, [&](const Descriptor& d, const ContentInfo& info) {
        blobs.try_emplace(d.digest, info);
        return absl::OkStatus();
      }));
  std::vector<ContentInfo> out;
  out.reserve(blobs.size());
  for (auto& [digest, info] : blobs) out.push_back(std::move(info));
  std::sort(out.begin(), out.end(),
            [](const ContentInfo& a, const ContentInfo& b) { return a.digest < b.digest; });
  return out;
}

Labels ChildGcLabels(const std::vector<Descriptor>& children) {
  Labels labels;
  std::map<std::string, int> counters;
  for (const Descriptor& child : children) {
    std::string key;
    if (IsKnownConfig(child.media_type)) {
      key = "containerd.io/gc.ref.content.config";
    } else if (IsManifest(child.media_type)) {
      key = "containerd.io/gc.ref.content.m.";
    } else if (IsLayer(child.media_type)) {
      key = "containerd.io/gc.ref.content.l.";
    } else {
      key = "containerd.io/gc.ref.content.";
    }
    const int idx = counters[key]++;
    if (idx > 0 || key.back() == '.') key += std::to_string(idx);  // "config1", as Go does
    labels[key] = child.digest.str();
  }
  return labels;
}

}  // namespace reclaim
