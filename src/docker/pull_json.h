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
// Thread-safety: pure functions.
#ifndef RECLAIM_DOCKER_PULL_JSON_H_
#define RECLAIM_DOCKER_PULL_JSON_H_

#include <cstdint>
#include <string>

#include "docker/json.h"
#include "imageio/pull.h"

namespace reclaim {

Json PullEventJson(const PullEvent& event);

// jsonmessage's progress string for `current` of `total` bytes as the daemon
// renders it (no terminal: width 200): "[" + "="×(percent/2) + ">" + spaces to
// 50 + "] " then "%8v/%v" in decimal human sizes; just "%8v" without a total.
std::string ProgressBar(int64_t current, int64_t total);

// The two messages after a pull of `familiar_ref` (e.g. "alpine:latest").
Json PullDigestJson(const Digest& target);
Json PullStatusJson(const std::string& familiar_ref, bool downloaded_newer);

}  // namespace reclaim

#endif  // RECLAIM_DOCKER_PULL_JSON_H_
