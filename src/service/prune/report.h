// File: service/prune/report.h
//
// The result of an image prune in Docker's shape (`types.ImagesPruneReport`,
// specs/prune.md §5.1, §6) and its two renderings:
//
//   JSON, compact (the service's own tests and the benchmarks compare it; the
//   API and the CLI build the same value as a tree, docker/prune_json.h):
//     {"ImagesDeleted":[{"Untagged":"busybox:a"},{"Deleted":"sha256:…"}],"SpaceReclaimed":123}
//     `ImagesDeleted` is `null` when empty; each item carries only its
//     non-empty fields (`Deleted` before `Untagged`, Go's omitempty and field
//     order); strings are escaped as moby's httputils.WriteJSON does (Go's
//     encoding/json with SetEscapeHTML(false): `<`, `>`, `&` stay, U+2028 and
//     U+2029 and control bytes are escaped, invalid UTF-8 becomes U+FFFD).
//
//   docker CLI text (cli/command/image/prune.go):
//     Deleted Images:
//     untagged: busybox:a
//     deleted: sha256:…
//     <blank line>
//     Total reclaimed space: 1.23MB
//   When the list is empty only the total line is printed, and it shows 0B
//   whatever SpaceReclaimed says (the CLI only reads it when something was
//   listed).
//
// reclaim's report is deterministic (design.md): images in sorted stored-name
// order, each an `Untagged` item followed by a `Deleted` item for every blob
// that vanished with it. Errors of images that could not be pruned travel with
// the report (`errors`) but are not part of Docker's JSON.
//
// Thread-safety: value types and pure functions.
#ifndef RECLAIM_SERVICE_PRUNE_REPORT_H_
#define RECLAIM_SERVICE_PRUNE_REPORT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/digest.h"

namespace reclaim {

// One `ImagesDeleted` item. reclaim always sets exactly one of the two.
struct ReportItem {
  std::string untagged;  // familiar name, or the digest for a dangling record
  std::string deleted;   // a blob digest

  static ReportItem Untagged(std::string name) { return {std::move(name), ""}; }
  static ReportItem Deleted(std::string digest) { return {"", std::move(digest)}; }
  friend bool operator==(const ReportItem&, const ReportItem&) = default;
};

// An image that was to be pruned but was not (walk or delete failure).
struct ImageError {
  std::string name;  // stored name
  absl::Status status;
  friend bool operator==(const ImageError&, const ImageError&) = default;
};

struct Report {
  std::vector<ReportItem> images_deleted;
  uint64_t space_reclaimed = 0;
  // Sorted by name. Not rendered by ReportJson / ReportCliText.
  std::vector<ImageError> errors;
  // Configs whose `containerd.io/gc.ref.snapshot.<snapshotter>` label the prune
  // removed (specs/prune.md §5.5), sorted. Not rendered by ReportJson / ReportCliText.
  std::vector<Digest> snapshot_labels_released;
  // Bytes the prune's collection removed that no pruned image accounted for:
  // content and snapshots nothing referenced any more, left by interrupted
  // loads, pulls or prunes. Not in Docker's SpaceReclaimed; not rendered by
  // ReportJson / ReportCliText (reclaim's CLI says it on a line of its own).
  // In a dry run: what the collection would free of those.
  uint64_t leftover_reclaimed = 0;

  friend bool operator==(const Report&, const Report&) = default;
};

// The API body, without the trailing newline Go's json.Encoder adds.
std::string ReportJson(const Report& report);

// What `docker image prune` prints for this report, trailing newline included.
std::string ReportCliText(const Report& report);

// `s` as a JSON string literal, quotes included, escaped as Go's
// encoding/json does with SetEscapeHTML(false).
std::string GoJsonStringNoHtmlEscape(std::string_view s);

}  // namespace reclaim

#endif  // RECLAIM_SERVICE_PRUNE_REPORT_H_
