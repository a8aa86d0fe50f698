#include "service/system_df.h"

#include <map>
#include <utility>

#include "core/status.h"

namespace reclaim {

absl::StatusOr<SystemDf> ComputeSystemDf(ImageService& images, ContainerService& containers) {
  SystemDf df;
  RECLAIM_ASSIGN_OR_RETURN(ImageService::DiskUsage usage, images.Usage());
  df.layers_size = usage.layers_size;
  df.images = std::move(usage.images);
  std::map<Digest, int64_t> size_of;
  for (const ImageSummary& s : df.images) size_of[s.id] = s.size;
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContainerInfo> list, containers.List());
  for (ContainerInfo& c : list) {
    SystemDfContainer row;
    auto size = size_of.find(c.image_id);
    row.size_root_fs = size == size_of.end() ? 0 : size->second;
    row.info = std::move(c);
    df.containers.push_back(std::move(row));
  }
  return df;
}

}  // namespace reclaim
