// File: api/backend.cc
#include "api/backend.h"

namespace reclaim {

absl::Status PullNotSupportedError(const ImagePullQuery& query) {
  std::string ref = query.from_image;
  if (!query.tag.empty()) {
    // fromImage may already carry a digest (`x@sha256:…`); the tag is then a digest too.
    ref += (query.tag.rfind("sha256:", 0) == 0 ? "@" : ":") + query.tag;
  }
  return absl::UnimplementedError("reclaim cannot pull images yet: pulling " + ref +
                                  " is not supported; use `docker load` or `docker import`");
}

absl::Status Backend::PullImage(const RequestContext&, const ImagePullQuery& query,
                                JsonMessageWriter&) {
  return PullNotSupportedError(query);
}

absl::Status Backend::PushImage(const RequestContext&, const ImagePushQuery& query,
                                JsonMessageWriter&) {
  return absl::UnimplementedError("reclaim cannot push images here: pushing " + query.name +
                                  " needs `reclaim serve` with a registry client");
}

absl::StatusOr<Json> Backend::Login(const RequestContext&, const Json&) {
  return absl::UnimplementedError("reclaim cannot log in to registries here");
}

absl::StatusOr<std::unique_ptr<EventStream>> Backend::Events(const RequestContext&,
                                                             const EventQuery&) {
  return absl::UnimplementedError("this reclaim keeps no events");
}

}  // namespace reclaim
