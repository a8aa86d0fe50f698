// File: docker/image_json.h
//
// Docker's JSON shapes of images, as reclaim renders them from the service
// layer's values (specs/docker-api.md §3), in moby's field order and with the
// shapes that depend on the API version (docker/api_version.h):
//
//   ImageSummary   GET /images/json, GET /system/df: Containers (-1 in the
//                  list), Created, Id, Labels, ParentId, [Descriptor >= 1.48],
//                  RepoDigests, RepoTags (`<none>:<none>` and `<none>@<none>`
//                  for an image with neither, below 1.43), SharedSize, Size,
//                  [VirtualSize below 1.44]
//   ImageInspect   GET /images/{name}/json and `reclaim image inspect` (which
//                  shows what the newest API gives, kMaxApiVersion): Config in
//                  the OCI shape, [VirtualSize below 1.44], [Descriptor >= 1.48]
//   history        GET /images/{name}/history
//   delete answer  DELETE /images/{name} and `reclaim image rm --format json`:
//                  [{"Untagged"}|{"Deleted"}], Go's omitempty
//
//   std::string body = EncodeJson(ImageInspectJson(inspect, ctx.api_version));
//
// Thread-safety: pure functions.
#ifndef RECLAIM_DOCKER_IMAGE_JSON_H_
#define RECLAIM_DOCKER_IMAGE_JSON_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/descriptor.h"
#include "docker/json.h"
#include "service/image_service.h"
#include "service/prune/report.h"

namespace reclaim {

// An OCI descriptor as Go's encoding/json writes it (imageio/go_json.h).
Json DescriptorJson(const Descriptor& d);

// One ImageSummary; `in_list`: GET /images/json's Containers (-1, as moby
// does not count them there) instead of s.containers.
Json ImageSummaryJson(const ImageSummary& s, std::string_view api_version, bool in_list);

// The body of GET /images/json for `list`: the same bytes as
// EncodeJson(array of ImageSummaryJson(s, api_version, true)), written
// directly (a list of 100k images is encoded without a Json tree).
std::string ImageListBody(const std::vector<ImageSummary>& list, std::string_view api_version);

Json ImageInspectJson(const ImageInspect& i, std::string_view api_version);

// An array of history items, in the order given.
Json ImageHistoryJson(const std::vector<ImageHistoryItem>& items);

// An array of {"Untagged": name} / {"Deleted": digest} objects (empty fields left out).
Json ImageDeleteResponseJson(const std::vector<ReportItem>& items);

}  // namespace reclaim

#endif  // RECLAIM_DOCKER_IMAGE_JSON_H_
