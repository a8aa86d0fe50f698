#include "gc/gc.h"

#include <algorithm>
#include <ostream>

#include "absl/strings/string_view.h"

namespace reclaim::gc {
namespace {

// Label keys as std::string, for lookups in a std::map<std::string, ...>
// without building a temporary per call. Never destroyed.
const std::string& StrRoot() {
  static const auto* s = new std::string(kLabelRoot);
  return *s;
}
const std::string& StrRefPrefix() {
  static const auto* s = new std::string(kLabelRefPrefix);
  return *s;
}
const std::string& StrExpire() {
  static const auto* s = new std::string(kLabelExpire);
  return *s;
}
const std::string& StrFlat() {
  static const auto* s = new std::string(kLabelFlat);
  return *s;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

absl::string_view AbslView(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// A resource id whose strings are owned elsewhere: by the GcGraph being
// marked, or by the caller's ids. Marking works on these so that following an
// edge allocates nothing; only the final live set is copied into ResourceIds.
struct Ref {
  ResourceType type = ResourceType::kContent;
  absl::string_view key;
  absl::string_view snapshotter;

  friend bool operator==(const Ref&, const Ref&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const Ref& r) {
    return H::combine(std::move(h), r.type, r.key, r.snapshotter);
  }
};

struct RefNode {
  Ref id;
  bool flat = false;
};

Ref ToRef(const ResourceId& id) { return Ref{id.type, id.key, id.snapshotter}; }

ResourceId ToId(const Ref& ref) {
  return ResourceId{ref.type, std::string(ref.key), std::string(ref.snapshotter)};
}

LiveSet ToLiveSet(const absl::flat_hash_set<Ref>& refs) {
  LiveSet live;
  live.reserve(refs.size());
  for (const Ref& r : refs) live.insert(ToId(r));
  return live;
}

// The mark loop shared by Mark() (owned ids) and the collector (Refs). `Node`
// has `id` and `flat`; `edges(node, emit)` emits the out-edges of `node` with
// `emit(Node)` and returns false if the node does not exist.
template <typename Id, typename Node, typename Edges>
absl::flat_hash_set<Id> MarkLoop(std::vector<Node> stack, Edges& edges,
                                 size_t size_hint) {
  absl::flat_hash_set<Id> live;
  live.reserve(size_hint);
  // Reached only through flat edges so far: a normal visit must expand them
  // again, with their label references.
  absl::flat_hash_set<Id> flat_only;
  // Reached but nonexistent (dangling edges); never looked up again.
  absl::flat_hash_set<Id> missing;
  auto emit = [&stack](Node n) { stack.push_back(std::move(n)); };

  while (!stack.empty()) {
    Node node = std::move(stack.back());
    stack.pop_back();
    if (!missing.empty() && missing.contains(node.id)) continue;
    auto [it, inserted] = live.insert(node.id);
    if (!inserted) {
      // Already expanded; again only if that was flat and this visit is not.
      if (node.flat || flat_only.empty() || flat_only.erase(node.id) == 0) {
        continue;
      }
      edges(node, emit);
      continue;
    }
    // `live` does not change while `edges` runs, so `it` stays valid.
    if (!edges(node, emit)) {
      live.erase(it);
      missing.insert(std::move(node.id));
      continue;
    }
    if (node.flat) flat_only.insert(std::move(node.id));
  }
  return live;
}

// Emits the targets of the gc.ref labels in `labels` (content and snapshot
// references); everything else under `containerd.io/gc.ref.` is ignored.
template <typename Emit>
void EmitLabelRefs(const Labels& labels, Emit& emit) {
  constexpr std::string_view kContent = "content";
  constexpr std::string_view kSnapshot = "snapshot.";
  for (auto it = labels.lower_bound(StrRefPrefix());
       it != labels.end() && StartsWith(it->first, kLabelRefPrefix); ++it) {
    std::string_view rest =
        std::string_view(it->first).substr(kLabelRefPrefix.size());
    if (StartsWith(rest, kContent)) {
      std::string_view name = rest.substr(kContent.size());
      if (name.empty() || name[0] == '.' || name[0] == '/') {
        emit(RefNode{Ref{ResourceType::kContent, it->second, {}}, false});
      }
    } else if (StartsWith(rest, kSnapshot)) {
      std::string_view snapshotter = rest.substr(kSnapshot.size());
      snapshotter = snapshotter.substr(0, snapshotter.find('/'));
      emit(RefNode{
          Ref{ResourceType::kSnapshot, it->second, AbslView(snapshotter)},
          false});
    }
  }
}

const SnapshotRecord* FindSnapshot(const GcGraph& graph,
                                   absl::string_view snapshotter,
                                   absl::string_view key) {
  auto ss = graph.snapshots.find(snapshotter);
  if (ss == graph.snapshots.end()) return nullptr;
  auto it = ss->second.find(key);
  return it == ss->second.end() ? nullptr : &it->second;
}

// containerd's references(): the out-edges of `node`, emitted as Refs into
// `graph` (or into `node`'s own strings). False if the node does not exist.
template <typename Emit>
bool RefEdges(const GcGraph& graph, const RefNode& node, Emit& emit) {
  const Ref& id = node.id;
  switch (id.type) {
    case ResourceType::kContent: {
      auto it = graph.content.find(id.key);
      if (it == graph.content.end()) return false;
      if (!node.flat) EmitLabelRefs(it->second.labels, emit);
      return true;
    }
    case ResourceType::kSnapshot: {
      const SnapshotRecord* snapshot =
          FindSnapshot(graph, id.snapshotter, id.key);
      if (snapshot == nullptr) return false;
      if (!snapshot->parent.empty()) {
        emit(RefNode{Ref{ResourceType::kSnapshot, snapshot->parent,
                         id.snapshotter},
                     node.flat});
      }
      if (!node.flat) EmitLabelRefs(snapshot->labels, emit);
      return true;
    }
    case ResourceType::kIngest: {
      auto it = graph.ingests.find(id.key);
      if (it == graph.ingests.end()) return false;
      if (!it->second.expected.empty()) {
        emit(RefNode{Ref{ResourceType::kContent, it->second.expected, {}},
                     false});
      }
      return true;
    }
    case ResourceType::kImage: {
      auto it = graph.images.find(id.key);
      if (it == graph.images.end()) return false;
      if (!it->second.target.empty()) {
        emit(RefNode{Ref{ResourceType::kContent, it->second.target, {}},
                     false});
      }
      EmitLabelRefs(it->second.labels, emit);
      return true;
    }
    case ResourceType::kContainer: {
      auto it = graph.containers.find(id.key);
      if (it == graph.containers.end()) return false;
      if (!it->second.snapshotter.empty()) {
        emit(RefNode{Ref{ResourceType::kSnapshot, it->second.snapshot_key,
                         it->second.snapshotter},
                     false});
      }
      EmitLabelRefs(it->second.labels, emit);
      return true;
    }
    case ResourceType::kLease: {
      auto it = graph.leases.find(id.key);
      if (it == graph.leases.end()) return false;
      const bool flat = it->second.labels.count(StrFlat()) > 0;
      for (const ResourceId& r : it->second.resources) {
        switch (r.type) {
          case ResourceType::kContent:
          case ResourceType::kSnapshot:
            emit(RefNode{ToRef(r), flat});
            break;
          case ResourceType::kIngest:
            emit(RefNode{ToRef(r), false});  // an ingest has no labels to skip
            break;
          case ResourceType::kImage:
          case ResourceType::kContainer:
          case ResourceType::kLease:
            break;  // not leasable in containerd 1.6
        }
      }
      return true;
    }
  }
  return false;
}

absl::flat_hash_set<Ref> MarkGraph(const GcGraph& graph,
                                   std::vector<RefNode> roots,
                                   size_t size_hint) {
  auto edges = [&graph](const RefNode& node, auto& emit) {
    return RefEdges(graph, node, emit);
  };
  return MarkLoop<Ref>(std::move(roots), edges, size_hint);
}

bool IngestLive(const IngestRecord& ingest, absl::Time now) {
  return ingest.expires_at.has_value() && !(now > *ingest.expires_at);
}

// containerd's scanRoots(), minus the image records named in `skip_images`.
std::vector<RefNode> RootRefs(const GcGraph& graph, absl::Time now,
                              const std::set<std::string>& skip_images) {
  // A hash set: the deleted names may be most of a large store.
  absl::flat_hash_set<absl::string_view> skip(skip_images.begin(),
                                              skip_images.end());
  std::vector<RefNode> roots;
  roots.reserve(graph.images.size() + graph.containers.size() +
                graph.leases.size());
  for (const auto& [name, image] : graph.images) {
    if (!skip.empty() && skip.contains(name)) continue;
    roots.push_back(RefNode{Ref{ResourceType::kImage, name, {}}, false});
  }
  for (const auto& [id, container] : graph.containers) {
    roots.push_back(RefNode{Ref{ResourceType::kContainer, id, {}}, false});
  }
  for (const auto& [id, lease] : graph.leases) {
    if (!LeaseExpired(lease.labels, now)) {
      roots.push_back(RefNode{Ref{ResourceType::kLease, id, {}}, false});
    }
  }
  for (const auto& [digest, content] : graph.content) {
    if (content.labels.count(StrRoot()) > 0) {
      roots.push_back(RefNode{Ref{ResourceType::kContent, digest, {}}, false});
    }
  }
  for (const auto& [snapshotter, snapshots] : graph.snapshots) {
    for (const auto& [key, snapshot] : snapshots) {
      if (snapshot.labels.count(StrRoot()) > 0) {
        roots.push_back(
            RefNode{Ref{ResourceType::kSnapshot, key, snapshotter}, false});
      }
    }
  }
  for (const auto& [ref, ingest] : graph.ingests) {
    if (IngestLive(ingest, now)) {
      roots.push_back(RefNode{Ref{ResourceType::kIngest, ref, {}}, false});
    }
  }
  return roots;
}

size_t NodeCount(const GcGraph& graph) {
  size_t n = graph.images.size() + graph.containers.size() +
             graph.leases.size() + graph.content.size() + graph.ingests.size();
  for (const auto& [snapshotter, snapshots] : graph.snapshots) {
    n += snapshots.size();
  }
  return n;
}

GcResult CollectExcept(const GcGraph& graph, absl::Time now,
                       const std::set<std::string>& skip_images) {
  const absl::flat_hash_set<Ref> marked =
      MarkGraph(graph, RootRefs(graph, now, skip_images), NodeCount(graph));
  auto live = [&marked](ResourceType type, const std::string& key,
                        const std::string& snapshotter = {}) {
    return marked.contains(Ref{type, key, snapshotter});
  };
  GcResult result;
  result.live = ToLiveSet(marked);
  for (const auto& [digest, content] : graph.content) {
    if (!live(ResourceType::kContent, digest)) {
      result.removed_content.push_back(digest);
    }
  }
  for (const auto& [snapshotter, snapshots] : graph.snapshots) {
    for (const auto& [key, snapshot] : snapshots) {
      if (!live(ResourceType::kSnapshot, key, snapshotter)) {
        result.removed_snapshots.push_back(
            ResourceId::Snapshot(snapshotter, key));
      }
    }
  }
  for (const auto& [id, lease] : graph.leases) {
    if (!live(ResourceType::kLease, id)) result.removed_leases.push_back(id);
  }
  for (const auto& [ref, ingest] : graph.ingests) {
    if (!live(ResourceType::kIngest, ref)) result.removed_ingests.push_back(ref);
  }
  std::sort(result.removed_content.begin(), result.removed_content.end());
  std::sort(result.removed_snapshots.begin(), result.removed_snapshots.end());
  std::sort(result.removed_leases.begin(), result.removed_leases.end());
  std::sort(result.removed_ingests.begin(), result.removed_ingests.end());
  return result;
}

}  // namespace

std::string_view ResourceTypeName(ResourceType type) {
  switch (type) {
    case ResourceType::kContent:
      return "content";
    case ResourceType::kSnapshot:
      return "snapshot";
    case ResourceType::kIngest:
      return "ingest";
    case ResourceType::kImage:
      return "image";
    case ResourceType::kContainer:
      return "container";
    case ResourceType::kLease:
      return "lease";
  }
  return "unknown";
}

ResourceId ResourceId::Content(std::string digest) {
  return ResourceId{ResourceType::kContent, std::move(digest), {}};
}
ResourceId ResourceId::Snapshot(std::string snapshotter, std::string key) {
  return ResourceId{ResourceType::kSnapshot, std::move(key),
                    std::move(snapshotter)};
}
ResourceId ResourceId::Ingest(std::string ref) {
  return ResourceId{ResourceType::kIngest, std::move(ref), {}};
}
ResourceId ResourceId::Image(std::string name) {
  return ResourceId{ResourceType::kImage, std::move(name), {}};
}
ResourceId ResourceId::Container(std::string id) {
  return ResourceId{ResourceType::kContainer, std::move(id), {}};
}
ResourceId ResourceId::Lease(std::string id) {
  return ResourceId{ResourceType::kLease, std::move(id), {}};
}

std::string ResourceId::ToString() const {
  std::string out(ResourceTypeName(type));
  out += ' ';
  if (type == ResourceType::kSnapshot) {
    out += snapshotter;
    out += '/';
  }
  out += key;
  return out;
}

std::ostream& operator<<(std::ostream& os, const ResourceId& id) {
  return os << id.ToString();
}

bool GcGraph::Contains(const ResourceId& id) const {
  switch (id.type) {
    case ResourceType::kContent:
      return content.contains(id.key);
    case ResourceType::kSnapshot:
      return FindSnapshot(*this, id.snapshotter, id.key) != nullptr;
    case ResourceType::kIngest:
      return ingests.contains(id.key);
    case ResourceType::kImage:
      return images.contains(id.key);
    case ResourceType::kContainer:
      return containers.contains(id.key);
    case ResourceType::kLease:
      return leases.contains(id.key);
  }
  return false;
}

LiveSet Mark(std::vector<MarkNode> roots, EdgesFn edges, size_t size_hint) {
  auto call = [edges](const MarkNode& node, auto& emit) {
    return edges(node, EmitFn(emit));
  };
  return MarkLoop<ResourceId>(std::move(roots), call, size_hint);
}

std::vector<ResourceId> Sweep(const std::vector<ResourceId>& all,
                              const LiveSet& live) {
  std::vector<ResourceId> removed;
  for (const ResourceId& id : all) {
    if (!live.contains(id)) removed.push_back(id);
  }
  std::sort(removed.begin(), removed.end());
  removed.erase(std::unique(removed.begin(), removed.end()), removed.end());
  return removed;
}

std::optional<absl::Time> ParseExpire(std::string_view value) {
  // Go's RFC 3339 layout is strict about the shape (fixed-width fields,
  // upper-case T and Z); absl's parser is more lenient, so check first.
  std::string text(value);
  const size_t n = text.size();
  if (n < 20) return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) {
    if (!IsDigit(text[i])) return std::nullopt;
  }
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  size_t i = 19;
  if (text[i] == '.' || text[i] == ',') {
    text[i] = '.';
    const size_t start = ++i;
    while (i < n && IsDigit(text[i])) ++i;
    if (i == start) return std::nullopt;
  }
  if (i >= n) return std::nullopt;
  if (text[i] == 'Z') {
    if (i + 1 != n) return std::nullopt;
  } else if (text[i] == '+' || text[i] == '-') {
    if (n - i != 6 || !IsDigit(text[i + 1]) || !IsDigit(text[i + 2]) ||
        text[i + 3] != ':' || !IsDigit(text[i + 4]) || !IsDigit(text[i + 5])) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (text[17] == '6') return std::nullopt;  // Go rejects a 60th second
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) return std::nullopt;
  return t;
}

bool LeaseExpired(const Labels& labels, absl::Time now) {
  auto it = labels.find(StrExpire());
  if (it == labels.end()) return false;
  std::optional<absl::Time> expire = ParseExpire(it->second);
  return expire.has_value() && now > *expire;
}

std::vector<MarkNode> Roots(const GcGraph& graph, absl::Time now) {
  std::vector<MarkNode> roots;
  for (const RefNode& r : RootRefs(graph, now, {})) {
    roots.push_back(MarkNode{ToId(r.id), r.flat});
  }
  return roots;
}

bool References(const GcGraph& graph, const MarkNode& node, EmitFn emit) {
  auto to_owned = [emit](RefNode r) { emit(MarkNode{ToId(r.id), r.flat}); };
  return RefEdges(graph, RefNode{ToRef(node.id), node.flat}, to_owned);
}

LiveSet Reachable(const GcGraph& graph, std::vector<MarkNode> roots) {
  // The Refs point into `roots` and `graph`, both alive until we return.
  std::vector<RefNode> refs;
  refs.reserve(roots.size());
  for (const MarkNode& r : roots) refs.push_back(RefNode{ToRef(r.id), r.flat});
  return ToLiveSet(MarkGraph(graph, std::move(refs), 0));
}

std::vector<ResourceId> Collectable(const GcGraph& graph) {
  std::vector<ResourceId> all;
  all.reserve(NodeCount(graph));
  for (const auto& [digest, content] : graph.content) {
    all.push_back(ResourceId::Content(digest));
  }
  for (const auto& [snapshotter, snapshots] : graph.snapshots) {
    for (const auto& [key, snapshot] : snapshots) {
      all.push_back(ResourceId::Snapshot(snapshotter, key));
    }
  }
  for (const auto& [ref, ingest] : graph.ingests) {
    all.push_back(ResourceId::Ingest(ref));
  }
  for (const auto& [id, lease] : graph.leases) {
    all.push_back(ResourceId::Lease(id));
  }
  return all;
}

GcResult Collect(const GcGraph& graph, absl::Time now) {
  return CollectExcept(graph, now, {});
}

GcResult PredictRemovals(const GcGraph& graph,
                         const std::set<std::string>& deleted_image_names,
                         absl::Time now) {
  return CollectExcept(graph, now, deleted_image_names);
}

}  // namespace reclaim::gc
