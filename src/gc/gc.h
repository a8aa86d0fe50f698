// File: gc/gc.h
//
// Garbage collection over containerd's reference graph, as a pure function: no
// I/O and no clock reads (the caller passes `now`). The embedded store uses it
// to collect; the prune planner uses PredictRemovals() to say exactly what a
// collection will remove (dry-run), including snapshots, which only the
// containerd store has but which containerd's own GC removes the same way.
//
// The model is containerd 1.6's metadata GC (metadata/gc.go):
//   Roots: every image record (its target digest and its gc.ref labels); every
//     container record (its snapshot, when it names a snapshotter, and its
//     gc.ref labels); every lease that has not expired (its content, snapshots
//     and ingests); content and snapshots labelled `containerd.io/gc.root`
//     (presence of the key is enough); ingests with an expiry that has not
//     passed. An ingest without an expiry is not a root: only a lease keeps it.
//   Edges (labels on content, snapshots, images and containers):
//     `containerd.io/gc.ref.content` or `...content.<name>` or `...content/<name>`
//       = <digest> -> that content (`...contentfoo` is not a reference);
//     `containerd.io/gc.ref.snapshot.<snapshotter>[/<name>]` = <key> -> that
//       snapshot (the snapshotter ends at the first '/'; a '.' does not end it);
//     a snapshot -> its parent (same snapshotter); an ingest -> its expected
//     digest.
//   Leases: `containerd.io/gc.expire` = RFC 3339 time; the lease stops being a
//     root once `now` is strictly after it, and the collection then removes the
//     lease record itself. An unparseable value is ignored (containerd logs it
//     and keeps the lease). `containerd.io/gc.flat` (value ignored): the leased
//     content and snapshots are kept but their gc.ref labels are not followed;
//     a leased snapshot's parent chain still is (also flat).
//   Sweep: content, snapshots, ingests and leases that were not reached are
//     removed. Image and container records are never removed by a collection.
//   Edges to resources that do not exist are ignored (dangling edges).
//
//   gc::GcGraph g = ...;                          // a snapshot of metadata
//   gc::GcResult r = gc::Collect(g, absl::Now());  // or PredictRemovals(...)
//   for (const std::string& d : r.removed_content) ...
//
// Marking is iterative (no recursion: a hostile chain of any depth is fine) and
// linear in the size of the graph plus its labels.
//
// Thread-safety: every function is pure and may run concurrently on the same
// const GcGraph; the value types have no internal synchronisation.
#ifndef RECLAIM_GC_GC_H_
#define RECLAIM_GC_GC_H_

#include <compare>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "gc/labels.h"

namespace reclaim::gc {

// Labels of any record, sorted so that reference labels are found by prefix.
using Labels = std::map<std::string, std::string>;

enum class ResourceType : uint8_t {
  kContent,
  kSnapshot,
  kIngest,
  kImage,
  kContainer,
  kLease,
};

// "content", "snapshot", "ingest", "image", "container", "lease".
std::string_view ResourceTypeName(ResourceType type);

// One node of the graph. `key` is the digest (content), the snapshot key, the
// ingest ref, the image name, the container id or the lease id. `snapshotter`
// is set for snapshots only. Ordered by (type, snapshotter, key).
struct ResourceId {
  ResourceType type = ResourceType::kContent;
  std::string key;
  std::string snapshotter;

  static ResourceId Content(std::string digest);
  static ResourceId Snapshot(std::string snapshotter, std::string key);
  static ResourceId Ingest(std::string ref);
  static ResourceId Image(std::string name);
  static ResourceId Container(std::string id);
  static ResourceId Lease(std::string id);

  // "content sha256:...", "snapshot overlayfs/<key>", "lease <id>", ...
  std::string ToString() const;

  friend bool operator==(const ResourceId&, const ResourceId&) = default;
  friend std::strong_ordering operator<=>(const ResourceId& a,
                                          const ResourceId& b) {
    if (a.type != b.type) return a.type <=> b.type;
    if (int c = a.snapshotter.compare(b.snapshotter); c != 0) return c <=> 0;
    return a.key.compare(b.key) <=> 0;
  }
  template <typename H>
  friend H AbslHashValue(H h, const ResourceId& r) {
    return H::combine(std::move(h), r.type, r.key, r.snapshotter);
  }
};
std::ostream& operator<<(std::ostream& os, const ResourceId& id);

using LiveSet = absl::flat_hash_set<ResourceId>;

// ---------------------------------------------------------------------------
// The metadata snapshot a collection runs over.

struct ImageRecord {
  std::string target;  // digest of the target manifest or index
  Labels labels;
};

struct ContainerRecord {
  std::string snapshotter;  // empty: the container has no snapshot
  std::string snapshot_key;
  Labels labels;
};

struct LeaseRecord {
  Labels labels;  // kLabelExpire, kLabelFlat
  // Content, snapshots and ingests held by the lease. Other types cannot be
  // leased in containerd 1.6 and are ignored.
  std::vector<ResourceId> resources;
};

struct ContentRecord {
  Labels labels;
};

struct SnapshotRecord {
  std::string parent;  // key in the same snapshotter; empty for a base layer
  Labels labels;
};

struct IngestRecord {
  std::optional<absl::Time> expires_at;  // none: only a lease keeps it
  std::string expected;                  // expected digest, may be empty
};

struct GcGraph {
  absl::flat_hash_map<std::string, ImageRecord> images;          // by name
  absl::flat_hash_map<std::string, ContainerRecord> containers;  // by id
  absl::flat_hash_map<std::string, LeaseRecord> leases;          // by id
  absl::flat_hash_map<std::string, ContentRecord> content;       // by digest
  // snapshotter -> key -> snapshot.
  absl::flat_hash_map<std::string,
                      absl::flat_hash_map<std::string, SnapshotRecord>>
      snapshots;
  absl::flat_hash_map<std::string, IngestRecord> ingests;  // by ref

  // True if the graph holds a record for `id`.
  bool Contains(const ResourceId& id) const;
};

struct GcResult {
  // Every existing resource that was reached, images, containers and leases
  // included (dangling edges lead to nothing).
  LiveSet live;
  std::vector<std::string> removed_content;  // digests, sorted
  std::vector<ResourceId> removed_snapshots;  // sorted by (snapshotter, key)
  std::vector<std::string> removed_leases;    // ids, sorted
  std::vector<std::string> removed_ingests;   // refs, sorted
};

// ---------------------------------------------------------------------------
// Generic mark and sweep.

// A node on the mark stack. `flat`: reached through a gc.flat lease; its
// label references are not followed.
struct MarkNode {
  ResourceId id;
  bool flat = false;
};

using EmitFn = absl::FunctionRef<void(MarkNode)>;
// Emits the out-edges of a node and returns true, or returns false if the node
// does not exist (a dangling edge led to it). REQUIRES: the edges of a flat
// node are a subset of the edges of the same node reached normally (Mark
// expands a node at most twice: once flat, once normally, and skips a flat
// visit of a node already expanded normally).
using EdgesFn = absl::FunctionRef<bool(const MarkNode& node, EmitFn emit)>;

// Every existing resource reachable from `roots`. Iterative; each (id, flat)
// is expanded at most once, and a missing id is looked up once. `size_hint`:
// the expected size of the result, to reserve.
LiveSet Mark(std::vector<MarkNode> roots, EdgesFn edges, size_t size_hint = 0);

// The members of `all` that are not in `live`, sorted and without duplicates.
std::vector<ResourceId> Sweep(const std::vector<ResourceId>& all,
                              const LiveSet& live);

// ---------------------------------------------------------------------------
// containerd's rules over a GcGraph.

// Parses a `containerd.io/gc.expire` value as Go's time.Parse(time.RFC3339)
// does: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)`, upper-case T and Z,
// '.' or ',' before the fraction. nullopt if it does not parse.
std::optional<absl::Time> ParseExpire(std::string_view value);

// True if `labels` carry a parseable kLabelExpire and `now` is strictly after
// it.
bool LeaseExpired(const Labels& labels, absl::Time now);

// The roots of a collection at `now`, in no particular order.
std::vector<MarkNode> Roots(const GcGraph& graph, absl::Time now);

// Emits the out-edges of `node` in `graph`; false if the node does not exist.
// Images, containers and leases are nodes too: an image references its target
// and its label references, a container its snapshot and label references, a
// lease what it holds.
bool References(const GcGraph& graph, const MarkNode& node, EmitFn emit);

// Every existing resource reachable in `graph` from `roots` (for example one
// image, to see what it keeps alive).
LiveSet Reachable(const GcGraph& graph, std::vector<MarkNode> roots);

// Every resource a collection may remove: content, snapshots, ingests and
// leases, in no particular order.
std::vector<ResourceId> Collectable(const GcGraph& graph);

// One full collection at `now`.
GcResult Collect(const GcGraph& graph, absl::Time now);

// What a collection at `now` removes once the image records named in
// `deleted_image_names` are deleted (names absent from the graph are ignored).
// Equal to Collect() of the graph without those records; `live` does not
// contain the deleted images.
GcResult PredictRemovals(const GcGraph& graph,
                         const std::set<std::string>& deleted_image_names,
                         absl::Time now);

}  // namespace reclaim::gc

#endif  // RECLAIM_GC_GC_H_
