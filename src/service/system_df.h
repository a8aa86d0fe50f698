// File: service/system_df.h
//
// `GET /system/df` (specs/docker-api.md §3.12): images with the number of
// containers using each and their shared size, the bytes of every blob any
// image reaches counted once (LayersSize), the containers, and empty volume and
// build-cache lists (reclaim has neither).
//
// Sizes are the prune's bytes: an image's Size is the unique bytes of its
// present blobs (and snapshots); Size - SharedSize is what pruning that image
// alone frees when nothing else holds its blobs; LayersSize is what pruning
// every image frees.
//
// Thread-safety: as the services.
#ifndef RECLAIM_SERVICE_SYSTEM_DF_H_
#define RECLAIM_SERVICE_SYSTEM_DF_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "service/container_service.h"
#include "service/image_service.h"

namespace reclaim {

struct SystemDfContainer {
  ContainerInfo info;
  int64_t size_rw = 0;       // reclaim keeps no writable layers
  int64_t size_root_fs = 0;  // the Size of the container's image (0 when it is gone)
};

struct SystemDf {
  int64_t layers_size = 0;
  std::vector<ImageSummary> images;  // containers and shared_size filled in
  std::vector<SystemDfContainer> containers;
  // Volumes and BuildCache are always empty.
};

[[nodiscard]] absl::StatusOr<SystemDf> ComputeSystemDf(ImageService& images,
                                                       ContainerService& containers);

}  // namespace reclaim

#endif  // RECLAIM_SERVICE_SYSTEM_DF_H_
