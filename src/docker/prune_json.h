// File: docker/prune_json.h
//
// An image prune's Report (service/prune/report.h) as JSON, for the API and
// for the `reclaim` CLI alike, built from the Report's fields:
//
//   Docker's ImagesPruneReport (POST /images/prune, specs/docker-api.md §3.8):
//     {"ImagesDeleted":[{"Untagged":"a:1"},{"Deleted":"sha256:…"}],"SpaceReclaimed":123}
//     `ImagesDeleted` is `null` when empty; an item carries only its non-empty
//     fields, `Deleted` before `Untagged` (Go's field order and omitempty).
//     Strings hold what Go's encoding/json would write: invalid UTF-8 becomes
//     U+FFFD, byte by byte; the value is the one ReportJson(report) reads
//     back as.
//
//   reclaim's report (`reclaim image prune --format json`, --dry-run, --explain):
//     Docker's fields, then "SnapshotLabelsReleased":["sha256:…",…], the
//     configs whose snapshot label the prune removed (specs/prune.md §5.5).
//
//   The API's error when some images could not be pruned (design.md: what was
//   done is never lost): the code of the first failure, the message of
//   PruneResult::ErrorStatus (one `<name>: <message>` line per image) and a
//   last line `(pruned anyway: N image(s), <size> reclaimed)`.
//
// Thread-safety: pure functions.
#ifndef RECLAIM_DOCKER_PRUNE_JSON_H_
#define RECLAIM_DOCKER_PRUNE_JSON_H_

#include "absl/status/status.h"
#include "docker/json.h"
#include "service/prune/report.h"

namespace reclaim {

Json ImagesPruneReportJson(const Report& report);

Json ReclaimPruneReportJson(const Report& report);

// `errors`: the prune's PruneResult::ErrorStatus(), not OK.
absl::Status PartialPruneError(const absl::Status& errors, const Report& report);

}  // namespace reclaim

#endif  // RECLAIM_DOCKER_PRUNE_JSON_H_
