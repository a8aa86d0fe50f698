// File: api/service_backend.h
//
// ServiceBackend is the Backend of `reclaim serve`: each method calls one
// service operation (service/image_service.h, container_service.h,
// system_df.h, the PruneService) and answers its result in the JSON shape
// moby gives for the request's API version (docker/image_json.h,
// container_json.h, prune_json.h):
//
//   images/json     ImageSummary rows; the unfiltered list's body is encoded
//                   once per list and version (ImageListBodySource)
//   images/prune    PruneService's report; per-image failures become an error
//                   whose message lists them and what was pruned anyway
//   containers      recorded containers, all in state "created": `docker ps`
//                   without -a lists none, as moby lists only running ones
//
// Pulls, pushes and logins go through a registry client made per request
// with the request's credentials (ServiceBackendOptions::registry).
//
// What reclaim does not have answers clearly: URL imports 501,
// `--change` on import 501; volumes and build cache are always empty.
//
// Thread-safety: safe for concurrent use (the services are).
#ifndef RECLAIM_API_SERVICE_BACKEND_H_
#define RECLAIM_API_SERVICE_BACKEND_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "api/backend.h"
#include "api/docker_api.h"
#include "platform/mutex.h"
#include "registry/client.h"
#include "service/container_service.h"
#include "service/image_service.h"

namespace reclaim {

struct ServiceBackendOptions {
  std::string version = "0.1.0";  // Version, ServerVersion
  std::string git_commit;
  std::string root_dir;  // Info.DockerRootDir
  std::string driver = "reclaim";  // Info.Driver
  // The host profile and why ("kubernetes (namespace k8s.io ...)"): a
  // DriverStatus line, which `docker info` prints under Storage Driver.
  std::string host_profile;
  // Makes the registry client of one pull with the request's credentials
  // (X-Registry-Auth, for every host it talks to). Unset: pulls, pushes and
  // logins answer 501.
  std::function<absl::StatusOr<std::unique_ptr<RegistryClient>>(CredentialsFn)> registry;
  // The bus the services publish to (ImageServiceOptions::events), which
  // GET /events reads. Null: GET /events answers 501.
  EventBus* events = nullptr;
};

// GET /images/json also as ImageListBodySource (api/docker_api.h): the body
// of the unfiltered list is encoded once per list the ImageService caches (and
// per API version), and shared by every request until the store changes.
class ServiceBackend final : public Backend, public ImageListBodySource {
 public:
  ServiceBackend(ImageService& images, ContainerService& containers,
                 ServiceBackendOptions options = {});

  absl::StatusOr<Json> Version(const RequestContext& ctx) override;
  absl::StatusOr<Json> Info(const RequestContext& ctx) override;
  absl::StatusOr<Json> DiskUsage(const RequestContext& ctx, const DiskUsageQuery& query) override;
  absl::StatusOr<Json> ListImages(const RequestContext& ctx, const ImageListQuery& query) override;
  absl::StatusOr<std::shared_ptr<const std::string>> ListImagesBody(
      const RequestContext& ctx, const ImageListQuery& query) override;
  absl::StatusOr<Json> InspectImage(const RequestContext& ctx, std::string_view name) override;
  absl::StatusOr<Json> ImageHistory(const RequestContext& ctx, std::string_view name) override;
  absl::Status TagImage(const RequestContext& ctx, std::string_view name, std::string_view repo,
                        std::string_view tag) override;
  absl::StatusOr<Json> RemoveImage(const RequestContext& ctx, std::string_view name,
                                   const ImageRemoveQuery& query) override;
  absl::StatusOr<Json> PruneImages(const RequestContext& ctx, const ImagePruneQuery& query) override;
  absl::StatusOr<std::vector<std::string>> LoadImages(const RequestContext& ctx,
                                                      ByteSource& archive,
                                                      const ImageLoadQuery& query,
                                                      JsonMessageWriter& progress) override;
  absl::StatusOr<std::string> ImportImage(const RequestContext& ctx, ByteSource& rootfs,
                                          const ImageImportQuery& query,
                                          JsonMessageWriter& progress) override;
  absl::Status PullImage(const RequestContext& ctx, const ImagePullQuery& query,
                         JsonMessageWriter& progress) override;
  absl::Status PushImage(const RequestContext& ctx, const ImagePushQuery& query,
                         JsonMessageWriter& progress) override;
  absl::StatusOr<Json> Login(const RequestContext& ctx, const Json& credentials) override;
  absl::StatusOr<std::unique_ptr<EventStream>> Events(const RequestContext& ctx,
                                                      const EventQuery& query) override;
  absl::Status SaveImages(const RequestContext& ctx, const std::vector<std::string>& names,
                          ByteSink& out) override;
  absl::StatusOr<Json> CreateContainer(const RequestContext& ctx,
                                       const ContainerCreateQuery& query) override;
  absl::StatusOr<Json> ListContainers(const RequestContext& ctx,
                                      const ContainerListQuery& query) override;
  absl::StatusOr<Json> InspectContainer(const RequestContext& ctx, std::string_view id,
                                        bool size) override;
  absl::Status RemoveContainer(const RequestContext& ctx, std::string_view id,
                               const ContainerRemoveQuery& query) override;
  absl::StatusOr<Json> PruneContainers(const RequestContext& ctx,
                                       const FilterArgs& filters) override;

 private:
  // A registry client that sends the X-Registry-Auth credentials.
  absl::StatusOr<std::unique_ptr<RegistryClient>> ClientFor(const std::string& registry_auth);

  ImageService& images_;
  ContainerService& containers_;
  const ServiceBackendOptions options_;

  // The encoded bodies of one shared list (ImageService::ListShared), by API
  // version; replaced when the list is.
  Mutex list_body_mu_;
  std::shared_ptr<const std::vector<ImageSummary>> body_list_ ABSL_GUARDED_BY(list_body_mu_);
  std::map<std::string, std::shared_ptr<const std::string>> bodies_
      ABSL_GUARDED_BY(list_body_mu_);
};

}  // namespace reclaim

#endif  // RECLAIM_API_SERVICE_BACKEND_H_
