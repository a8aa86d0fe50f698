// File: api/docker_api.h
//
// DockerApi is the Docker Engine API on top of HttpServer: it routes requests
// to a Backend and applies moby's conventions (specs/docker-api.md §1-§3):
//
//   - every route with and without a `/v<major.minor>` prefix; versions below
//     kMinApiVersion answer 400 `client version X is too old. …` (text/plain,
//     as moby), above kMaxApiVersion 400 `client version X is too new. …`;
//   - the path is percent-decoded; image and container names are everything
//     between the fixed prefix and suffix (`/images/{name}/json`, moby's
//     `{name:.*}`), so names keep their `/`, `:` and `@`;
//   - query booleans as moby's BoolValue, filters in both JSON encodings;
//   - errors as {"message":"…"} with `Content-Type: application/json` and the
//     status of HttpStatusFor(code); unknown routes 404 `page not found`;
//   - JSON bodies as moby's WriteJSON; JSON request bodies up to 1 MiB;
//   - streams: `/images/load` and `/images/create` answer chunked JSON
//     messages ("…\r\n"), `/images/get` a chunked tar;
//   - endpoints that need a container runtime (start, exec, logs, attach,
//     wait, kill, …) answer 501: reclaim records containers, it does not run
//     them (a missing container is still 404).
//
// ApiServer bundles DockerApi with an HttpServer whose default headers are
// the ones every moby response carries (Api-Version, Docker-Experimental,
// Ostype, Server):
//
//   ServiceBackend backend(images, containers);
//   HttpServerOptions http;
//   http.listen = {"unix:///run/reclaim/reclaim.sock"};
//   RECLAIM_ASSIGN_OR_RETURN(auto server, ApiServer::Start(backend, http));
//   // SIGTERM: server->RequestShutdown(); main: server->Wait();
//
// Thread-safety: DockerApi is stateless after construction (Serve runs
// concurrently); ApiServer as HttpServer.
#ifndef RECLAIM_API_DOCKER_API_H_
#define RECLAIM_API_DOCKER_API_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/backend.h"
#include "api/http_server.h"

namespace reclaim {

struct DockerApiOptions {
  // Shown as `Server: Docker/<server_version> (linux)`.
  std::string server_version = "0.1.0";
  bool experimental = false;
  size_t max_json_body = 1 << 20;
  // Called after every request with its route ("GET /images/{name}/json";
  // "other" when no route matched), the response status (500 when the
  // handler gave none) and how long it took: the API metrics.
  std::function<void(std::string_view route, int status, absl::Duration latency)> on_request;
};

// An optional second interface of a Backend: GET /images/json as the encoded
// body (exactly what EncodeJson(ListImages(ctx, query)) gives, trailing newline
// included). DockerApi uses it when its Backend also implements it, so a
// backend that caches the list answers without building a Json tree; the
// body is shared, never modified after it is returned.
class ImageListBodySource {
 public:
  virtual ~ImageListBodySource();
  [[nodiscard]] virtual absl::StatusOr<std::shared_ptr<const std::string>> ListImagesBody(
      const RequestContext& ctx, const ImageListQuery& query) = 0;
};

class DockerApi final : public HttpHandler {
 public:
  explicit DockerApi(Backend& backend, DockerApiOptions options = {});

  void Serve(HttpExchange& exchange) override;

  // The headers every response carries (HttpServerOptions::default_headers).
  HeaderList CommonHeaders() const;

  struct Call;

 private:
  using Handler = absl::Status (DockerApi::*)(Call&);
  struct Route;
  static const std::vector<Route>& Routes();
  // Serve without the request observer; `*matched` (may be null) is the route.
  void ServeRoute(HttpExchange& ex, const Route** matched);

  absl::Status Ping(Call& c);
  absl::Status Version(Call& c);
  absl::Status Info(Call& c);
  absl::Status SystemDf(Call& c);
  absl::Status ImagesList(Call& c);
  absl::Status ImageInspect(Call& c);
  absl::Status ImageHistory(Call& c);
  absl::Status ImageTag(Call& c);
  absl::Status ImageDelete(Call& c);
  absl::Status ImagesPrune(Call& c);
  absl::Status ImagesLoad(Call& c);
  absl::Status ImagesGet(Call& c);
  absl::Status ImagesCreate(Call& c);
  absl::Status ImagePush(Call& c);
  absl::Status SystemAuth(Call& c);
  absl::Status SystemEvents(Call& c);
  // A request body that must be one JSON object, read as moby's ReadJSON does.
  absl::StatusOr<Json> ReadJsonObject(Call& c);
  absl::Status ImagesSearch(Call& c);
  absl::Status ContainerCreate(Call& c);
  absl::Status ContainersList(Call& c);
  absl::Status ContainerInspect(Call& c);
  absl::Status ContainerDelete(Call& c);
  absl::Status ContainersPrune(Call& c);
  absl::Status ContainerRuntime(Call& c);
  absl::Status ExecRuntime(Call& c);
  absl::Status Commit(Call& c);
  absl::Status NetworksPrune(Call& c);
  absl::Status BuildPrune(Call& c);
  absl::Status VolumesPrune(Call& c);

  Backend& backend_;
  ImageListBodySource* const list_body_;  // backend_ when it implements it, else null
  const DockerApiOptions options_;
};

class ApiServer {
 public:
  // `http.default_headers` is replaced by DockerApi::CommonHeaders().
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ApiServer>> Start(
      Backend& backend, HttpServerOptions http, DockerApiOptions docker = {});

  std::vector<ListenAddress> addresses() const { return server_->addresses(); }
  HttpServer& http() { return *server_; }
  void RequestShutdown(absl::Duration grace = absl::Seconds(10)) {
    server_->RequestShutdown(grace);
  }
  void Wait() { server_->Wait(); }
  void Shutdown(absl::Duration grace = absl::Seconds(10)) { server_->Shutdown(grace); }

 private:
  ApiServer(Backend& backend, DockerApiOptions docker) : api_(backend, std::move(docker)) {}
  DockerApi api_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace reclaim

#endif  // RECLAIM_API_DOCKER_API_H_
