#include "apps/reclaim/serve.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <ostream>

#include "api/docker_api.h"
#include "api/service_backend.h"
#include "platform/logging.h"
#include "service/container_service.h"
#include "service/image_service.h"
#include "store/open/open_store.h"

#ifndef RECLAIM_VERSION
#define RECLAIM_VERSION "0.0.0"
#endif

namespace reclaim {

int Serve(const ServeRequest& request, std::ostream& out, std::ostream& err) {
  auto fail = [&](const absl::Status& s) {
    err << "Error: " << s.message() << "\n";
    return 1;
  };
  if (absl::Status s = InitLogging("info", /*json=*/false); !s.ok()) return fail(s);
  // Unix socket directories (e.g. /run/reclaim) are created like Docker's /run/docker.
  for (const std::string& h : request.hosts) {
    if (h.rfind("unix://", 0) == 0) {
      std::error_code ec;
      std::filesystem::create_directories(std::filesystem::path(h.substr(7)).parent_path(), ec);
    }
  }
  StoreSpec spec = request.store;
  spec.holder = "reclaim serve";
  auto store = OpenStore(spec);
  if (!store.ok()) return fail(store.status());
  ImageServiceOptions image_options;
  image_options.snapshotter = SnapshotterOf(spec);
  image_options.parallelism = InventoryParallelism(spec);
  ImageService images(**store, image_options);
  ContainerService containers(images);
  ServiceBackendOptions backend_options;
  backend_options.version = RECLAIM_VERSION;
  // containerd's own root is not known from its socket: Docker shows its
  // data root here, reclaim the store it serves.
  // Docker on containerd names the snapshotter as its storage driver.
  if (spec.kind == StoreKind::kContainerd) backend_options.driver = spec.snapshotter;
  backend_options.root_dir = spec.kind == StoreKind::kLocal ? spec.root : (*store)->Describe();
  ServiceBackend backend(images, containers, backend_options);

  // Block the stop signals before any server thread exists, so they inherit the
  // mask and this thread alone receives them through sigwait.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  HttpServerOptions http;
  http.listen = request.hosts;
  auto server = ApiServer::Start(backend, http);
  if (!server.ok()) return fail(server.status());
  out << "reclaim " << RECLAIM_VERSION << " serving " << (*store)->Describe() << "\n";
  for (const std::string& h : request.hosts) out << "export DOCKER_HOST=" << h << "\n";
  out.flush();

  int sig = 0;
  sigwait(&stop, &sig);
  out << "reclaim serve: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
      << ": finishing in-flight requests\n";
  out.flush();
  (*server)->RequestShutdown(absl::Seconds(10));
  (*server)->Wait();
  return 0;
}

}  // namespace reclaim
