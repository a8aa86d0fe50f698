// File: docker/container_json.h
//
// Docker's JSON shapes of containers, as reclaim renders its recorded
// containers (specs/docker-api.md §3.12-§3.17). reclaim records containers but never
// runs them, so every container is in state "created", with no ports,
// mounts, networks or writable layer:
//
//   ContainerSummary   GET /containers/json, GET /system/df
//   ContainerJSON      GET /containers/{id}/json (State, Config, HostConfig…)
//   create answer      POST /containers/create: {"Id", "Warnings"}
//   prune report       POST /containers/prune and `reclaim container prune
//                      --format json`: {"ContainersDeleted", "SpaceReclaimed"},
//                      ContainersDeleted `null` when nothing went
//
// Thread-safety: pure functions.
#ifndef RECLAIM_DOCKER_CONTAINER_JSON_H_
#define RECLAIM_DOCKER_CONTAINER_JSON_H_

#include <cstdint>

#include "docker/json.h"
#include "service/container_service.h"

namespace reclaim {

// `with_size`: the SizeRw and SizeRootFs fields (`size=1`).
Json ContainerSummaryJson(const ContainerInfo& c, bool with_size, int64_t size_rw,
                          int64_t size_root_fs);
Json ContainerInspectJson(const ContainerInfo& c, bool with_size, int64_t size_root_fs);
Json ContainerCreateResponseJson(const ContainerCreateResult& created);
Json ContainersPruneReportJson(const ContainerPruneReport& report);

}  // namespace reclaim

#endif  // RECLAIM_DOCKER_CONTAINER_JSON_H_
