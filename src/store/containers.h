// File: store/containers.h
//
// Where containers come from, as two roles:
//
//   ContainerSource  a read-only view of containers that use images: what a
//                    prune must protect. reclaim's own records are one source;
//                    host profiles (hosts/) add others: containerd's Containers
//                    service by `image`, Kubernetes' CRI records by their
//                    metadata extension, Docker's per-container leases, the
//                    Docker API.
//   ContainerStore   a source whose records reclaim itself creates and removes
//                    (`reclaim container create`, `docker create` against
//                    `reclaim serve`): the embedded store's table, or
//                    containerd's Containers service.
//
// Conformance: store/conformance/containers.cc.
//
// Thread-safety: implementations are safe for concurrent use.
#ifndef RECLAIM_STORE_CONTAINERS_H_
#define RECLAIM_STORE_CONTAINERS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/records.h"

namespace reclaim {

class ContainerSource {
 public:
  virtual ~ContainerSource() = default;

  // Every container this source knows of, in any state.
  [[nodiscard]] virtual absl::StatusOr<std::vector<ContainerRecord>> ListContainers() = 0;
};

class ContainerStore : public ContainerSource {
 public:
  // AlreadyExists when the ID is taken.
  [[nodiscard]] virtual absl::StatusOr<ContainerRecord> CreateContainer(
      const ContainerRecord& container) = 0;
  // NotFound when there is no container of that ID.
  [[nodiscard]] virtual absl::StatusOr<ContainerRecord> GetContainer(std::string_view id) = 0;
  [[nodiscard]] virtual absl::Status DeleteContainer(std::string_view id) = 0;
};

}  // namespace reclaim

#endif  // RECLAIM_STORE_CONTAINERS_H_
