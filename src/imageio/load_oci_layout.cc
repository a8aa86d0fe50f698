// File: imageio/load_oci_layout.cc
//
// Loading an OCI image layout (`oci-layout` + `index.json` + blobs): every
// index.json entry is an image target, named by its io.containerd.image.name
// annotation, else org.opencontainers.image.ref.name, else dangling.
#include <string>

#include "core/status.h"
#include "imageio/load_internal.h"
#include "imageio/names.h"

namespace reclaim::load_internal {

absl::Status Loader::ResolveOci() {
  absl::StatusOr<Index> index = ParseIndex(*index_json_);
  if (!index.ok()) return Invalid("index.json: " + Msg(index.status()));
  if (static_cast<int64_t>(index->manifests.size()) > opts_.max_images) {
    return Invalid("index.json lists more than " + std::to_string(opts_.max_images) + " images");
  }
  for (size_t i = 0; i < index->manifests.size(); ++i) {
    const Descriptor& m = index->manifests[i];
    const std::string where = "index.json manifests[" + std::to_string(i) + "]";
    RECLAIM_RETURN_IF_ERROR(CheckTarget(m, where));
    const std::string raw = ImageNameFromAnnotations(m.annotations);
    absl::StatusOr<std::string> name = raw.empty()
                                           ? absl::StatusOr<std::string>(absl::NotFoundError(""))
                                           : NormalizeDockerRef(raw);
    targets_.emplace_back(name.ok() ? *name : DanglingImageName(m.digest), m);
  }
  return absl::OkStatus();
}

}  // namespace reclaim::load_internal
