// File: store/records.h
//
// The records every store role speaks in (design.md "Vocabulary";
// containerd's model): image records naming a target descriptor, content
// blobs by digest with string labels, container records, leases, snapshots,
// and what one collection removed. Value types only; the roles that read and
// write them are in images.h, content.h, containers.h, leases.h, snapshots.h
// and collector.h, composed by store.h.
//
// Thread-safety: value types.
#ifndef RECLAIM_STORE_RECORDS_H_
#define RECLAIM_STORE_RECORDS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/descriptor.h"
#include "core/digest.h"

namespace reclaim {

using Labels = std::map<std::string, std::string>;

// Name prefix of a nameless record kept because content is still wanted.
inline constexpr std::string_view kDanglingPrefix = "moby-dangling@";

struct ImageRecord {
  std::string name;  // canonical ("docker.io/library/alpine:3") or "moby-dangling@sha256:…"
  Descriptor target;
  Labels labels;
  absl::Time created_at = absl::InfinitePast();  // set by the store on create
  absl::Time updated_at = absl::InfinitePast();
};

struct ContentInfo {
  Digest digest;
  int64_t size = 0;
  Labels labels;
  absl::Time created_at = absl::InfinitePast();
  absl::Time updated_at = absl::InfinitePast();
};

// One of a containerd container's extensions (protobuf Any): the type URL and
// the raw value (CRI writes JSON there).
struct ContainerExtension {
  std::string type_url;
  std::string value;
  friend bool operator==(const ContainerExtension&, const ContainerExtension&) = default;
};

struct ContainerRecord {
  std::string id;     // 64 hex on reclaim-created containers
  std::string name;   // without the leading '/'
  std::string image;  // Config.Image: exactly what the user typed
  Digest image_id;    // the target digest the image resolved to at creation
  Labels labels;
  std::string snapshotter;  // containerd only; empty on the embedded store
  std::string snapshot_key;
  absl::Time created_at = absl::InfinitePast();
  // containerd only: the record's extensions by name (CRI keeps its metadata
  // in `io.cri-containerd.container.metadata`). Written back on create.
  std::map<std::string, ContainerExtension> extensions;
};

enum class LeaseResourceType { kContent, kIngest, kSnapshot };

struct LeaseResource {
  LeaseResourceType type = LeaseResourceType::kContent;
  std::string id;           // digest, ingest ref, or snapshot key
  std::string snapshotter;  // for kSnapshot
  friend bool operator==(const LeaseResource&, const LeaseResource&) = default;
};

struct Lease {
  std::string id;
  Labels labels;  // containerd.io/gc.expire, containerd.io/gc.flat, moby/prune.images, …
  absl::Time created_at = absl::InfinitePast();
  std::vector<LeaseResource> resources;
};

struct SnapshotUsage {
  std::string snapshotter;
  std::string key;     // committed snapshots: the chain ID
  std::string parent;  // empty for a base layer
  Labels labels;
  int64_t size = 0;  // bytes on disk
  int64_t inodes = 0;
};

// What one collection removed.
struct CollectResult {
  std::vector<ContentInfo> removed_content;  // sorted by digest
  std::vector<SnapshotUsage> removed_snapshots;
  std::vector<std::string> removed_leases;  // expired leases the collection deleted
  absl::Duration duration;
};

// The outcome of deleting one requested image record in a batch.
struct ImageDeletion {
  std::string name;
  absl::Status status;  // OK, NotFound (counted as done by callers), or the failure
};

struct BatchDeleteResult {
  std::vector<ImageDeletion> deletions;  // in request order
  CollectResult collected;
};

}  // namespace reclaim

#endif  // RECLAIM_STORE_RECORDS_H_
