// File: service/container_service.h
//
// ContainerService keeps the container records Docker clients create and list
// (specs/docker-api.md §3.13-§3.17). reclaim records containers, it never runs
// them: every container is in state "created", so every container counts as
// "stopped" for image removal and container prune. What matters to images is
// what a record keeps: Config.Image exactly as typed and the ImageID it
// resolved to at creation (specs/prune.md §4.2).
//
//   Create   name checks (`/name` accepted, Docker's pattern, uniqueness with
//            Docker's 409 text; a generated `adjective_surname` when none),
//            64 random hex digits of ID, the image resolved now (404
//            `No such image: alpine:latest` when missing).
//   List     newest first.  Inspect / Remove   by full ID, name or unique ID
//            prefix; 404 `No such container: <x>`.
//   Prune    removes every container matching `until` / `label` / `label!`
//            (moby's container prune rules); one prune at a time (409).
//
// Cmd, Entrypoint and Env are kept in reserved container labels
// (kContainerConfigLabelPrefix), which List and Inspect do not show.
//
// Thread-safety: safe for concurrent use; record changes hold the image
// service's records lock exclusively, so a prune never misses a container
// created while it runs.
#ifndef RECLAIM_SERVICE_CONTAINER_SERVICE_H_
#define RECLAIM_SERVICE_CONTAINER_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/digest.h"
#include "core/filters.h"
#include "service/image_service.h"
#include "store/store.h"

namespace reclaim {

// Labels under this prefix hold the container's Cmd/Entrypoint/Env (JSON arrays).
inline constexpr std::string_view kContainerConfigLabelPrefix = "reclaim.container.";

struct ContainerCreateRequest {
  std::string name;   // optional; a leading '/' is accepted
  std::string image;  // Config.Image, exactly as typed
  std::vector<std::string> cmd;
  std::vector<std::string> entrypoint;
  std::vector<std::string> env;
  Labels labels;
};

struct ContainerCreateResult {
  std::string id;
  std::vector<std::string> warnings;
};

// What List and Inspect show of one container.
struct ContainerInfo {
  std::string id;
  std::string name;  // without the leading '/'
  std::string image;  // Config.Image as typed
  Digest image_id;
  std::vector<std::string> cmd;
  std::vector<std::string> entrypoint;
  std::vector<std::string> env;
  Labels labels;  // the user's labels only
  absl::Time created = absl::UnixEpoch();
  std::string state = "created";
  std::string status = "Created";

  // Docker's `Command` column: entrypoint and cmd joined by spaces.
  std::string Command() const;
};

struct ContainerPruneReport {
  std::vector<std::string> containers_deleted;  // IDs; empty: JSON null
  uint64_t space_reclaimed = 0;
};

class ContainerService {
 public:
  explicit ContainerService(ImageService& images);
  ContainerService(const ContainerService&) = delete;
  ContainerService& operator=(const ContainerService&) = delete;

  [[nodiscard]] absl::StatusOr<ContainerCreateResult> Create(const ContainerCreateRequest& request);
  [[nodiscard]] absl::StatusOr<std::vector<ContainerInfo>> List();
  [[nodiscard]] absl::StatusOr<ContainerInfo> Inspect(std::string_view id_or_name);
  // `force` is accepted: no container runs.
  [[nodiscard]] absl::Status Remove(std::string_view id_or_name, bool force);
  [[nodiscard]] absl::StatusOr<ContainerPruneReport> Prune(const FilterArgs& filters);

 private:
  absl::StatusOr<ContainerRecord> Find(const std::vector<ContainerRecord>& all,
                                       std::string_view id_or_name);
  // A container event for `c` to the image service's sink (if any).
  void Publish(std::string_view action, const ContainerRecord& c);
  std::string NewId();
  std::string GenerateName(const std::vector<ContainerRecord>& all);

  ImageService& images_;
  Store& store_;
  std::atomic<bool> pruning_{false};
};

}  // namespace reclaim

#endif  // RECLAIM_SERVICE_CONTAINER_SERVICE_H_
