// File: docker/pull_json.h
//
// moby's progress messages for `POST /images/create?fromImage=` (pull), as
// its containerd image store writes them (specs/registry.md A1): one
// jsonmessage per PullEvent,
//
//   {"status":"Pulling from library/alpine","id":"latest"}
//   {"status":"Pulling fs layer","progressDetail":{},"id":"<12 hex>"}
//   {"status":"Downloading","progressDetail":{"current":N,"total":M},
//    "progress":"[=====>     ]  1.05MB/3.4MB","id":"<12 hex>"}
//   {"status":"Download complete","progressDetail":{"hidecounts":true},"id":…}
//   {"status":"Already exists","progressDetail":{"hidecounts":true},"id":…}
//   {"status":"Pull complete","progressDetail":{"hidecounts":true},"id":…}
//
// and the closing pair, `Digest: sha256:…` then `Status: Downloaded newer
// image for alpine:latest` (or `Status: Image is up to date for …`).
//
// And for `POST /images/{name}/push`, one per PushEvent (daemon/containerd/
// progress.go pushProgress):
//
//   {"status":"The push refers to repository [docker.io/library/alpine]"}
//   {"status":"Waiting","progressDetail":{},"id":"<12 hex>"}
//   {"status":"Pushing","progressDetail":{"current":N,"total":M},"progress":"[==>  ] …","id":…}
//   {"status":"Pushed","progressDetail":{},"id":…}   (or "Layer already exists",
//                                                     "Mounted from library/busybox")
//   {"status":"latest: digest: sha256:… size: 528"}
//
// moby's containerd store writes no PushResult `aux` (the graph-driver store
// did); a manifest pushed in place of a partly present index is announced by
// its `manifestPushedInsteadOfIndex` aux.
//
// Thread-safety: pure functions.
#ifndef RECLAIM_DOCKER_PULL_JSON_H_
#define RECLAIM_DOCKER_PULL_JSON_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/time/time.h"

#include "docker/json.h"
#include "imageio/pull.h"
#include "imageio/push.h"

namespace reclaim {

Json PullEventJson(const PullEvent& event);

// Byte counts (Downloading, Pushing) at most every 100 ms per id, as moby's
// progress ticker shows them; the last one (current >= total) always shows.
// Used by the API stream and the CLI's rows. Thread-safety: none.
class ProgressThrottle {
 public:
  bool Show(const std::string& id, int64_t current, int64_t total);

 private:
  std::map<std::string, absl::Time> last_shown_;
};

// jsonmessage's progress string for `current` of `total` bytes as the daemon
// renders it (no terminal: width 200): "[" + "="×(percent/2) + ">" + spaces to
// 50 + "] " then "%8v/%v" in decimal human sizes; just "%8v" without a total.
std::string ProgressText(int64_t current, int64_t total);

// The two messages after a pull of `familiar_ref` (e.g. "alpine:latest").
Json PullDigestJson(const Digest& target);
Json PullStatusJson(const std::string& familiar_ref, bool downloaded_newer);

Json PushEventJson(const PushEvent& event);
// {"status": text} (the first line, PushRefersTo).
Json StatusJson(const std::string& text);
// "<tag>: digest: <digest> size: <size>" after a tag's push.
Json PushDigestJson(const PushResult& pushed);

}  // namespace reclaim

#endif  // RECLAIM_DOCKER_PULL_JSON_H_
