// File: api/backend.h
//
// Backend is everything the Docker API routes need from the rest of reclaim:
// one method per endpoint, taking the decoded request (plain structs, query
// parameters already parsed, filters decoded) and returning the response body
// as JSON in moby's field order, or an absl::Status whose code gives the HTTP
// status (core/status.h HttpStatusFor) and whose message is Docker's text.
//
// The routes (api/docker_api.h) own the wire conventions: status codes of
// success (201 for tag and container create, 204 for container delete), the
// framing of streams (JSON messages for load and import, tar for save), and
// what the clients need when a stream fails. A Backend never sees HTTP.
//
//   ServiceBackend backend(images, containers);   // api/service_backend.h
//   FakeBackend fake;  fake.backend()             // tests (api/testing)
//
// Conventions for implementations:
//   - `ctx.api_version` is the version the client asked for (kMaxApiVersion
//     when it gave none); shapes that moby varies by version follow it;
//   - errors carry moby's texts (404 `No such image: x:latest`, 409 conflicts,
//     400 `invalid filter 'x'`), the code picks the status;
//   - methods may block (they run on the server's handler threads) and are
//     called concurrently.
//
// Thread-safety: implementations must be safe for concurrent calls.
#ifndef RECLAIM_API_BACKEND_H_
#define RECLAIM_API_BACKEND_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/filters.h"
#include "docker/events.h"
#include "docker/json.h"
#include "imageio/byte_stream.h"

namespace reclaim {

struct RequestContext {
  std::string api_version;  // e.g. "1.50"
};

// GET /images/json
struct ImageListQuery {
  FilterArgs filters;
  bool all = false;
  bool shared_size = false;  // `shared-size=1`
  bool digests = false;      // `digests=1` (API >= 1.42)
  bool manifests = false;    // `manifests=1` (API >= 1.47)
};

// DELETE /images/{name}
struct ImageRemoveQuery {
  bool force = false;
  bool noprune = false;
};

// POST /images/prune
struct ImagePruneQuery {
  FilterArgs filters;
  bool dry_run = false;  // reclaim's `dryrun=1`: the report of what would go
};

// POST /images/load
struct ImageLoadQuery {
  bool quiet = true;  // moby's default
  std::vector<std::string> platforms;
};

// POST /images/create?fromSrc=…
struct ImageImportQuery {
  std::string source;   // "-" (the request body) or a URL
  std::string repo;     // may be empty, may carry a tag
  std::string tag;      // may be empty
  std::string message;  // empty: "Imported from <source>"
  std::vector<std::string> changes;  // Dockerfile instructions (`--change`)
  std::string platform;
};

// POST /images/create?fromImage=…
struct ImagePullQuery {
  std::string from_image;
  std::string tag;
  std::string platform;
  std::string registry_auth;  // the X-Registry-Auth header, as sent
};

// POST /images/{name}/push?tag=…
struct ImagePushQuery {
  std::string name;           // the path's name (familiar, maybe with a tag)
  std::string tag;            // may be empty: every tag of the repository
  std::string platform;       // JSON-encoded OCI platform (API >= 1.46), may be empty
  std::string registry_auth;  // the X-Registry-Auth header, as sent
};

// GET /system/df: which parts to compute (all of them unless `type` is given).
struct DiskUsageQuery {
  bool containers = true;
  bool images = true;
  bool volumes = true;
  bool build_cache = true;
};

// POST /containers/create
struct ContainerCreateQuery {
  std::string name;      // `name=`, may be empty
  std::string platform;  // `platform=`
  Json body;             // the decoded JSON object (Config + HostConfig + …)
};

// GET /containers/json
struct ContainerListQuery {
  bool all = false;
  int64_t limit = -1;  // <= 0: no limit
  bool size = false;
  FilterArgs filters;
};

// DELETE /containers/{id}
struct ContainerRemoveQuery {
  bool force = false;
  bool remove_volumes = false;  // `v`
  bool link = false;
};

// Receives the JSON messages of a streamed answer (load progress). Each Write
// reaches the client at once.
class JsonMessageWriter {
 public:
  virtual ~JsonMessageWriter() = default;
  [[nodiscard]] virtual absl::Status Write(const Json& message) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // GET /version: SystemVersion (must carry ApiVersion and MinAPIVersion).
  [[nodiscard]] virtual absl::StatusOr<Json> Version(const RequestContext& ctx) = 0;
  // GET /info: SystemInfo.
  [[nodiscard]] virtual absl::StatusOr<Json> Info(const RequestContext& ctx) = 0;
  // GET /system/df: {LayersSize, Images, Containers, Volumes, BuildCache}.
  [[nodiscard]] virtual absl::StatusOr<Json> DiskUsage(const RequestContext& ctx,
                                                       const DiskUsageQuery& query) = 0;

  // GET /images/json: an array of ImageSummary.
  [[nodiscard]] virtual absl::StatusOr<Json> ListImages(const RequestContext& ctx,
                                                        const ImageListQuery& query) = 0;
  // GET /images/{name}/json: ImageInspect.
  [[nodiscard]] virtual absl::StatusOr<Json> InspectImage(const RequestContext& ctx,
                                                          std::string_view name) = 0;
  // GET /images/{name}/history: an array of history items.
  [[nodiscard]] virtual absl::StatusOr<Json> ImageHistory(const RequestContext& ctx,
                                                          std::string_view name) = 0;
  // POST /images/{name}/tag (the route answers 201).
  [[nodiscard]] virtual absl::Status TagImage(const RequestContext& ctx, std::string_view name,
                                              std::string_view repo, std::string_view tag) = 0;
  // DELETE /images/{name}: an array of {"Untagged"} / {"Deleted"} objects.
  [[nodiscard]] virtual absl::StatusOr<Json> RemoveImage(const RequestContext& ctx,
                                                         std::string_view name,
                                                         const ImageRemoveQuery& query) = 0;
  // POST /images/prune: {"ImagesDeleted", "SpaceReclaimed"}.
  [[nodiscard]] virtual absl::StatusOr<Json> PruneImages(const RequestContext& ctx,
                                                         const ImagePruneQuery& query) = 0;
  // POST /images/load: reads the archive from `archive` and returns moby's
  // lines, one per loaded name ("Loaded image: alpine:latest\n" or
  // "Loaded image ID: sha256:…\n"). Progress messages may go to `progress`
  // (only when !query.quiet). Nothing is committed when it fails.
  [[nodiscard]] virtual absl::StatusOr<std::vector<std::string>> LoadImages(
      const RequestContext& ctx, ByteSource& archive, const ImageLoadQuery& query,
      JsonMessageWriter& progress) = 0;
  // POST /images/create?fromSrc=: imports a rootfs tar; returns the image ID.
  [[nodiscard]] virtual absl::StatusOr<std::string> ImportImage(const RequestContext& ctx,
                                                                ByteSource& rootfs,
                                                                const ImageImportQuery& query,
                                                                JsonMessageWriter& progress) = 0;
  // POST /images/create?fromImage=: pulls, writing moby's progress messages
  // to `progress`; an error before the first message is the HTTP answer. The
  // default answers 501 (a backend without a registry client).
  [[nodiscard]] virtual absl::Status PullImage(const RequestContext& ctx,
                                               const ImagePullQuery& query,
                                               JsonMessageWriter& progress);
  // POST /images/{name}/push: pushes, writing moby's progress messages to
  // `progress`; an error before the first message is the HTTP answer. The
  // default answers 501.
  [[nodiscard]] virtual absl::Status PushImage(const RequestContext& ctx,
                                               const ImagePushQuery& query,
                                               JsonMessageWriter& progress);
  // POST /auth: checks `credentials` (moby's AuthConfig JSON body) against
  // the registry they name; {"Status":"Login Succeeded","IdentityToken":""}.
  // The default answers 501.
  [[nodiscard]] virtual absl::StatusOr<Json> Login(const RequestContext& ctx,
                                                   const Json& credentials);
  // GET /events: the stream of moby's event messages (docker/events.h); the
  // filters are checked here (400 `invalid filter 'x'`). The route pumps it
  // until it ends or the client leaves. The default answers 501.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<EventStream>> Events(
      const RequestContext& ctx, const EventQuery& query);
  // GET /images/get, GET /images/{name}/get: writes the tar to `out`. Errors
  // must come before the first byte when possible (unknown names); an error
  // after it truncates the stream.
  [[nodiscard]] virtual absl::Status SaveImages(const RequestContext& ctx,
                                                const std::vector<std::string>& names,
                                                ByteSink& out) = 0;

  // POST /containers/create: {"Id", "Warnings"} (the route answers 201).
  [[nodiscard]] virtual absl::StatusOr<Json> CreateContainer(
      const RequestContext& ctx, const ContainerCreateQuery& query) = 0;
  // GET /containers/json: an array of ContainerSummary.
  [[nodiscard]] virtual absl::StatusOr<Json> ListContainers(const RequestContext& ctx,
                                                            const ContainerListQuery& query) = 0;
  // GET /containers/{id}/json: the container's inspect object.
  [[nodiscard]] virtual absl::StatusOr<Json> InspectContainer(const RequestContext& ctx,
                                                              std::string_view id,
                                                              bool size) = 0;
  // DELETE /containers/{id} (the route answers 204).
  [[nodiscard]] virtual absl::Status RemoveContainer(const RequestContext& ctx,
                                                     std::string_view id,
                                                     const ContainerRemoveQuery& query) = 0;
  // POST /containers/prune: {"ContainersDeleted", "SpaceReclaimed"}.
  [[nodiscard]] virtual absl::StatusOr<Json> PruneContainers(const RequestContext& ctx,
                                                             const FilterArgs& filters) = 0;
};

// The 501 PullImage answers by default.
absl::Status PullNotSupportedError(const ImagePullQuery& query);

}  // namespace reclaim

#endif  // RECLAIM_API_BACKEND_H_
