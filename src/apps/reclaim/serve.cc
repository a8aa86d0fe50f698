#include "apps/reclaim/serve.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <ostream>
#include <thread>

#include "api/docker_api.h"
#include "api/metrics_endpoint.h"
#include "api/service_backend.h"
#include "core/human_size.h"
#include "core/status.h"
#include "docker/events.h"
#include "imageio/names.h"
#include "metrics/metrics.h"
#include "platform/clock.h"
#include "platform/logging.h"
#include "service/container_service.h"
#include "service/image_service.h"
#include "store/open/open_store.h"

#ifndef RECLAIM_VERSION
#define RECLAIM_VERSION "0.0.0"
#endif

namespace reclaim {
namespace {

// `--prune-interval`: one `image prune` with the request's filters every
// interval (first after one interval), queued behind an API prune instead of
// failing with 409; stops at Stop().
class ScheduledPrune {
 public:
  ScheduledPrune(PruneService& prune, const ServeRequest& request, std::ostream& out)
      : prune_(prune), filters_(request.prune_filters), interval_(request.prune_interval),
        out_(out) {
    if (interval_ > absl::ZeroDuration()) thread_ = std::thread([this] { Loop(); });
  }
  ~ScheduledPrune() { Stop(); }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cancel_.Cancel();
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (cv_.wait_for(lock, absl::ToChronoNanoseconds(interval_), [&] { return stopping_; })) {
        return;
      }
      lock.unlock();
      absl::StatusOr<PruneResult> r = prune_.Prune(filters_, {.wait = true, .cancel = &cancel_});
      lock.lock();
      if (stopping_) return;
      if (!r.ok()) {
        out_ << "scheduled prune: " << r.status().message() << "\n";
      } else {
        out_ << "scheduled prune: " << r->report.images_deleted.size() << " items deleted, "
             << HumanSize(static_cast<double>(r->report.space_reclaimed))
             << " reclaimed" << (r->report.errors.empty() ? "" : ", with errors") << "\n";
      }
      out_.flush();
    }
  }

  PruneService& prune_;
  const FilterArgs filters_;
  const absl::Duration interval_;
  std::ostream& out_;
  CancelToken cancel_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// What the metrics' store gauges show: image IDs, content and snapshot bytes.
absl::StatusOr<StoreFigures> FiguresOf(Store& store) {
  StoreFigures f;
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> images, store.images().ListImages());
  std::set<Digest> ids;
  for (const ImageRecord& r : images) ids.insert(r.target.digest);
  f.images = static_cast<int64_t>(ids.size());
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContentInfo> content, store.content().ListContent());
  for (const ContentInfo& c : content) f.content_bytes += c.size;
  RECLAIM_ASSIGN_OR_RETURN(std::vector<SnapshotUsage> snapshots, store.snapshots().ListSnapshots());
  for (const SnapshotUsage& s : snapshots) f.snapshot_bytes += s.size;
  return f;
}

}  // namespace

int Serve(const ServeRequest& request, std::ostream& out, std::ostream& err) {
  auto fail = [&](const absl::Status& s) {
    err << "Error: " << s.message() << "\n";
    return 1;
  };
  if (absl::Status s = InitLogging(request.log_level, request.log_json); !s.ok()) return fail(s);
  // Unix socket directories (e.g. /run/reclaim) are created like Docker's /run/docker.
  for (const std::string& h : request.hosts) {
    if (h.rfind("unix://", 0) == 0) {
      std::error_code ec;
      std::filesystem::create_directories(std::filesystem::path(h.substr(7)).parent_path(), ec);
    }
  }
  if (request.prune_interval > absl::ZeroDuration()) {
    absl::StatusOr<PruneOptions> checked =
        ParsePruneOptions(request.prune_filters, absl::Now(), absl::LocalTimeZone());
    if (!checked.ok()) return fail(Annotate(checked.status(), "--prune-filter"));
  }
  StoreSpec spec = request.store;
  spec.holder = "reclaim serve";
  auto store = OpenStore(spec);
  if (!store.ok()) return fail(store.status());
  const HostPolicy host(request.host);
  EventBus events(RealClock());
  Metrics metrics({.version = RECLAIM_VERSION, .store = [&store]() { return FiguresOf(**store); }});
  OperationLog operation_log;  // one line per prune and transfer
  EventFanout sinks({&events, &metrics, &operation_log});
  ImageServiceOptions image_options;
  image_options.events = &sinks;
  image_options.host = &host;
  image_options.snapshotter = SnapshotterOf(spec);
  image_options.parallelism = InventoryParallelism(spec);
  image_options.unpack = UnpackerOf(**store, NormalizePlatform);
  ImageService images(**store, image_options);
  ContainerService containers(images);
  ServiceBackendOptions backend_options;
  backend_options.version = RECLAIM_VERSION;
  // containerd's own root is not known from its socket: Docker shows its
  // data root here, reclaim the store it serves.
  // Docker on containerd names the snapshotter as its storage driver.
  if (spec.kind == StoreKind::kContainerd) backend_options.driver = spec.snapshotter;
  backend_options.root_dir = spec.kind == StoreKind::kLocal ? spec.root : (*store)->Describe();
  backend_options.host_profile = HostChoiceText(request.host.host);
  backend_options.registry = [registry = request.registry](CredentialsFn credentials) {
    RegistryClientOptions o = registry;
    o.credentials = std::move(credentials);
    return RegistryClient::Create(std::move(o));
  };
  backend_options.events = &events;
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
  DockerApiOptions api_options;
  api_options.on_request = [&metrics](std::string_view route, int code, absl::Duration d) {
    metrics.ObserveRequest(route, code, d);
  };
  auto server = ApiServer::Start(backend, http, api_options);
  if (!server.ok()) return fail(server.status());
  MetricsEndpoint metrics_endpoint([&metrics] { return metrics.Scrape(); });
  std::unique_ptr<HttpServer> metrics_server;
  if (!request.metrics_addr.empty()) {
    HttpServerOptions m;
    m.listen = {request.metrics_addr};
    m.access_log = false;
    auto started = HttpServer::Start(m, metrics_endpoint);
    if (!started.ok()) {
      (*server)->Shutdown(absl::ZeroDuration());
      return fail(Annotate(started.status(), "--metrics-addr"));
    }
    metrics_server = *std::move(started);
  }
  out << "reclaim " << RECLAIM_VERSION << " serving " << (*store)->Describe() << "\n";
  out << "host profile: " << HostChoiceText(request.host.host) << "\n";
  for (const std::string& h : request.hosts) out << "export DOCKER_HOST=" << h << "\n";
  if (metrics_server != nullptr) {
    out << "metrics: GET /metrics on " << metrics_server->addresses().front().ToString() << "\n";
  }
  out.flush();

  ScheduledPrune scheduled(images.prune(), request, out);
  if (request.prune_interval > absl::ZeroDuration()) {
    out << "scheduled prune every " << absl::FormatDuration(request.prune_interval) << "\n";
    out.flush();
  }

  int sig = 0;
  sigwait(&stop, &sig);
  scheduled.Stop();
  out << "reclaim serve: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
      << ": finishing in-flight requests\n";
  out.flush();
  events.Close();  // ends the GET /events streams
  (*server)->RequestShutdown(absl::Seconds(10));
  if (metrics_server != nullptr) metrics_server->Shutdown(absl::Seconds(1));
  (*server)->Wait();
  return 0;
}

}  // namespace reclaim
