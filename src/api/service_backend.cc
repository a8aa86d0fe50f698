// File: api/service_backend.cc
#include "api/service_backend.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <thread>
#include <utility>

#include "core/reference.h"
#include "core/status.h"
#include "docker/api_version.h"
#include "docker/container_json.h"
#include "docker/image_json.h"
#include "docker/prune_json.h"
#include "docker/pull_json.h"
#include "registry/auth_config.h"
#include "service/prune/report.h"
#include "service/system_df.h"

namespace reclaim {

namespace {

// moby's httputils.DecodePlatform: the JSON-encoded OCI platform of a push.
absl::StatusOr<Platform> DecodePlatformJson(const std::string& text) {
  absl::StatusOr<nlohmann::json> j = ParseJson(text);
  absl::StatusOr<Platform> decoded =
      j.ok() ? PlatformFieldsFromJson(*j, "platform") : absl::StatusOr<Platform>(j.status());
  if (!decoded.ok()) {
    return absl::InvalidArgumentError("failed to parse platform: " +
                                      std::string(decoded.status().message()));
  }
  Platform p = *std::move(decoded);
  if (p.os.empty() || p.architecture.empty()) {
    return absl::InvalidArgumentError("both OS and Architecture must be provided");
  }
  return NormalizePlatform(p);
}

// moby's RepoTagReference for the `tag` parameter of a pull or push: a digest
// there means a digest reference, anything else a tag.
absl::StatusOr<Reference> WithTagParameter(const Reference& ref, const std::string& tag) {
  if (Digest::Parse(tag).ok()) return WithDigest(ref, tag);
  return WithTag(ref, tag);
}

struct HostFacts {
  std::string kernel;        // uname -r
  std::string machine;       // uname -m (Info.Architecture)
  std::string go_arch;       // Go's GOARCH (Version.Arch)
  std::string hostname;
  std::string os_name;       // PRETTY_NAME of /etc/os-release
  int64_t ncpu = 0;
  int64_t mem_total = 0;
};

const HostFacts& Host() {
  static const HostFacts* facts = [] {
    auto* f = new HostFacts;
    struct utsname u;
    if (::uname(&u) == 0) {
      f->kernel = u.release;
      f->machine = u.machine;
      f->hostname = u.nodename;
    }
    const std::pair<const char*, const char*> arch[] = {
        {"x86_64", "amd64"}, {"aarch64", "arm64"}, {"armv7l", "arm"}, {"i686", "386"},
        {"ppc64le", "ppc64le"}, {"s390x", "s390x"}, {"riscv64", "riscv64"}};
    f->go_arch = f->machine;
    for (const auto& [uname_arch, go] : arch) {
      if (f->machine == uname_arch) f->go_arch = go;
    }
    std::ifstream os("/etc/os-release");
    for (std::string line; std::getline(os, line);) {
      if (line.rfind("PRETTY_NAME=", 0) == 0) {
        std::string v = line.substr(12);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        f->os_name = v;
      }
    }
    f->ncpu = static_cast<int64_t>(std::thread::hardware_concurrency());
    long pages = ::sysconf(_SC_PHYS_PAGES);
    long page_size = ::sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && page_size > 0) f->mem_total = static_cast<int64_t>(pages) * page_size;
    return f;
  }();
  return *facts;
}

// Go's container.StrSlice: null, a string, or an array of strings.
absl::StatusOr<std::vector<std::string>> StrSlice(const Json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::vector<std::string>{};
  if (it->is_string()) return std::vector<std::string>{it->get<std::string>()};
  if (it->is_array()) {
    std::vector<std::string> out;
    for (const Json& e : *it) {
      if (!e.is_string()) break;
      out.push_back(e.get<std::string>());
    }
    if (out.size() == it->size()) return out;
  }
  return absl::InvalidArgumentError(std::string("invalid JSON: ") + key +
                                    " must be a string or an array of strings");
}

absl::StatusOr<Platform> ParsePlatformText(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = text.find('/', start);
    parts.push_back(text.substr(start, slash == std::string::npos ? slash : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty()) {
    return absl::InvalidArgumentError("invalid platform \"" + text +
                                      "\": want os/arch or os/arch/variant");
  }
  Platform p;
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  return p;
}

// moby's container states, for the `status` filter.
bool IsContainerState(const std::string& s) {
  static const std::set<std::string> kStates = {"created", "restarting", "running", "removing",
                                                "paused",  "exited",     "dead"};
  return kStates.count(s) > 0;
}

bool LabelsMatch(const Labels& labels, const std::vector<std::string>& wanted) {
  for (const std::string& w : wanted) {
    size_t eq = w.find('=');
    std::string key = w.substr(0, eq);
    auto it = labels.find(key);
    if (it == labels.end()) return false;
    if (eq != std::string::npos && it->second != w.substr(eq + 1)) return false;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------
// ServiceBackend

ServiceBackend::ServiceBackend(ImageService& images, ContainerService& containers,
                               ServiceBackendOptions options)
    : images_(images), containers_(containers), options_(std::move(options)) {}

absl::StatusOr<Json> ServiceBackend::Version(const RequestContext&) {
  const HostFacts& h = Host();
  Json details = Json::object();
  details["ApiVersion"] = std::string(kMaxApiVersion);
  details["MinAPIVersion"] = std::string(kMinApiVersion);
  details["GitCommit"] = options_.git_commit;
  details["GoVersion"] = "";
  details["Os"] = "linux";
  details["Arch"] = h.go_arch;
  details["KernelVersion"] = h.kernel;
  details["Experimental"] = "false";
  details["BuildTime"] = "";
  Json engine = Json::object();
  engine["Name"] = "Engine";
  engine["Version"] = options_.version;
  engine["Details"] = details;

  Json j = Json::object();
  j["Platform"] = Json{{"Name", "reclaim"}};
  j["Components"] = Json::array({engine});
  j["Version"] = options_.version;
  j["ApiVersion"] = std::string(kMaxApiVersion);
  j["MinAPIVersion"] = std::string(kMinApiVersion);
  j["GitCommit"] = options_.git_commit;
  j["GoVersion"] = "";
  j["Os"] = "linux";
  j["Arch"] = h.go_arch;
  j["KernelVersion"] = h.kernel;
  j["BuildTime"] = "";
  return j;
}

absl::StatusOr<Json> ServiceBackend::Info(const RequestContext&) {
  const HostFacts& h = Host();
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> records, images_.store().images().ListImages());
  std::set<std::string> ids;
  for (const ImageRecord& r : records) ids.insert(r.target.digest.str());
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContainerInfo> containers, containers_.List());
  int64_t n = static_cast<int64_t>(containers.size());

  Json swarm = Json::object();
  swarm["NodeID"] = "";
  swarm["NodeAddr"] = "";
  swarm["LocalNodeState"] = "inactive";
  swarm["ControlAvailable"] = false;
  swarm["Error"] = "";
  swarm["RemoteManagers"] = nullptr;

  Json j = Json::object();
  j["ID"] = "";
  j["Containers"] = n;
  j["ContainersRunning"] = 0;
  j["ContainersPaused"] = 0;
  j["ContainersStopped"] = n;
  j["Images"] = static_cast<int64_t>(ids.size());
  j["Driver"] = options_.driver;
  j["DriverStatus"] = Json::array({Json::array({"Store", images_.store().Describe()})});
  if (!options_.host_profile.empty()) {
    j["DriverStatus"].push_back(Json::array({"Host profile", options_.host_profile}));
  }
  j["KernelVersion"] = h.kernel;
  j["OperatingSystem"] = h.os_name;
  j["OSType"] = "linux";
  j["Architecture"] = h.machine;
  j["NCPU"] = h.ncpu;
  j["MemTotal"] = h.mem_total;
  j["DockerRootDir"] = options_.root_dir;
  j["Name"] = h.hostname;
  j["ServerVersion"] = options_.version;
  j["Swarm"] = swarm;
  j["Warnings"] = nullptr;
  return j;
}

absl::StatusOr<Json> ServiceBackend::DiskUsage(const RequestContext& ctx, const DiskUsageQuery& q) {
  RECLAIM_ASSIGN_OR_RETURN(SystemDf df, ComputeSystemDf(images_, containers_));
  Json j = Json::object();
  j["LayersSize"] = q.images ? df.layers_size : 0;
  if (q.images) {
    Json images = Json::array();
    for (const ImageSummary& s : df.images) {
      images.push_back(ImageSummaryJson(s, ctx.api_version, /*in_list=*/false));
    }
    j["Images"] = images;
  } else {
    j["Images"] = nullptr;
  }
  if (q.containers) {
    Json containers = Json::array();
    for (const SystemDfContainer& c : df.containers) {
      containers.push_back(ContainerSummaryJson(c.info, true, c.size_rw, c.size_root_fs));
    }
    j["Containers"] = containers;
  } else {
    j["Containers"] = nullptr;
  }
  j["Volumes"] = q.volumes ? Json::array() : Json(nullptr);
  j["BuildCache"] = q.build_cache ? Json::array() : Json(nullptr);
  return j;
}

absl::StatusOr<Json> ServiceBackend::ListImages(const RequestContext& ctx,
                                                const ImageListQuery& q) {
  ImageListOptions o;
  o.filters = q.filters;
  o.all = q.all;
  o.shared_size = q.shared_size;
  RECLAIM_ASSIGN_OR_RETURN(std::shared_ptr<const std::vector<ImageSummary>> summaries,
                           images_.ListShared(o));
  Json out = Json::array();
  for (const ImageSummary& s : *summaries) {
    out.push_back(ImageSummaryJson(s, ctx.api_version, /*in_list=*/true));
  }
  return out;
}

absl::StatusOr<std::shared_ptr<const std::string>> ServiceBackend::ListImagesBody(
    const RequestContext& ctx, const ImageListQuery& q) {
  ImageListOptions o;
  o.filters = q.filters;
  o.all = q.all;
  o.shared_size = q.shared_size;
  RECLAIM_ASSIGN_OR_RETURN(std::shared_ptr<const std::vector<ImageSummary>> list,
                           images_.ListShared(o));
  if (q.filters.Len() != 0 || q.shared_size) {
    // A filtered list is computed for this request only.
    return std::make_shared<const std::string>(ImageListBody(*list, ctx.api_version));
  }
  // The unfiltered list is shared until the store changes: encode it once per
  // API version (concurrent requests wait for that one encoding).
  MutexLock lock(&list_body_mu_);
  if (body_list_ != list) {
    body_list_ = list;
    bodies_.clear();
  }
  std::shared_ptr<const std::string>& body = bodies_[ctx.api_version];
  if (body == nullptr) {
    body = std::make_shared<const std::string>(ImageListBody(*list, ctx.api_version));
  }
  return body;
}

absl::StatusOr<Json> ServiceBackend::InspectImage(const RequestContext& ctx, std::string_view name) {
  RECLAIM_ASSIGN_OR_RETURN(ImageInspect i, images_.Inspect(name));
  return ImageInspectJson(i, ctx.api_version);
}

absl::StatusOr<Json> ServiceBackend::ImageHistory(const RequestContext&, std::string_view name) {
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageHistoryItem> items, images_.History(name));
  return ImageHistoryJson(items);
}

absl::Status ServiceBackend::TagImage(const RequestContext&, std::string_view name,
                                      std::string_view repo, std::string_view tag) {
  return images_.Tag(name, repo, tag).status();
}

absl::StatusOr<Json> ServiceBackend::RemoveImage(const RequestContext&, std::string_view name,
                                                 const ImageRemoveQuery& q) {
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ReportItem> items,
                           images_.Remove(name, q.force, q.noprune));
  return ImageDeleteResponseJson(items);
}

absl::StatusOr<Json> ServiceBackend::PruneImages(const RequestContext&, const ImagePruneQuery& q) {
  PruneRequest request;
  request.dry_run = q.dry_run;
  RECLAIM_ASSIGN_OR_RETURN(PruneResult result, images_.prune().Prune(q.filters, request));
  // What was done is not lost: the error says what was pruned anyway.
  if (absl::Status errors = result.ErrorStatus(); !errors.ok()) {
    return PartialPruneError(errors, result.report);
  }
  return ImagesPruneReportJson(result.report);
}

absl::StatusOr<std::vector<std::string>> ServiceBackend::LoadImages(const RequestContext&,
                                                                    ByteSource& archive,
                                                                    const ImageLoadQuery& q,
                                                                    JsonMessageWriter& progress) {
  LoadOptions o;
  if (!q.quiet) {
    o.progress = [&progress](const LoadProgress& p) {
      Json m = Json::object();
      m["status"] = "Loading";
      m["progressDetail"] = Json{{"current", p.bytes_read}};
      m["id"] = p.entry;
      // A client that stopped reading fails the answer later; the load goes on.
      (void)progress.Write(m);
    };
  }
  RECLAIM_ASSIGN_OR_RETURN(LoadResult result, images_.Load(archive, o));
  std::vector<std::string> lines;
  for (const LoadedImage& image : result.images) lines.push_back(image.Message() + "\n");
  return lines;
}

absl::Status ServiceBackend::PullImage(const RequestContext& ctx, const ImagePullQuery& q,
                                       JsonMessageWriter& progress) {
  if (!options_.registry) return Backend::PullImage(ctx, q, progress);
  std::string from = q.from_image;
  while (!from.empty() && from.back() == ':') from.pop_back();  // old `pull -a` clients
  RECLAIM_ASSIGN_OR_RETURN(Reference ref, ParseNormalizedNamed(from));
  if (ref.FamiliarName() == "scratch") {
    return absl::PermissionDeniedError("'scratch' is a reserved name");
  }
  if (!q.tag.empty()) {
    RECLAIM_ASSIGN_OR_RETURN(ref, WithTagParameter(ref, q.tag));
  }
  PullOptions o;
  if (!q.platform.empty() && ApiVersionAtLeast(ctx.api_version, "1.32")) {
    RECLAIM_RETURN_IF_ERROR(o.SetPlatform(q.platform));
  }
  RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<RegistryClient> client, ClientFor(q.registry_auth));
  ProgressThrottle throttle;
  o.progress = [&](const PullEvent& e) {
    if (e.kind == PullEvent::Kind::kDownloading && !throttle.Show(e.id, e.current, e.total)) return;
    // A client that stopped reading fails the answer later; the pull goes on.
    (void)progress.Write(PullEventJson(e));
  };
  RECLAIM_ASSIGN_OR_RETURN(std::vector<Reference> refs, PullReferences(*client, ref));
  for (const Reference& r : refs) {
    RECLAIM_ASSIGN_OR_RETURN(PullResult pulled, images_.Pull(*client, r, o));
    RECLAIM_RETURN_IF_ERROR(progress.Write(PullDigestJson(pulled.target.digest)));
    RECLAIM_RETURN_IF_ERROR(progress.Write(
        PullStatusJson(r.FamiliarString(), pulled.created || pulled.previous_target.has_value())));
  }
  return absl::OkStatus();
}

absl::Status ServiceBackend::PushImage(const RequestContext& ctx, const ImagePushQuery& q,
                                       JsonMessageWriter& progress) {
  if (!options_.registry) return Backend::PushImage(ctx, q, progress);
  // moby's postImagesPush: the tag parameter (a tag or a digest), else the
  // name as given, which without a tag means every tag.
  RECLAIM_ASSIGN_OR_RETURN(Reference ref, ParseNormalizedNamed(q.name));
  if (!q.tag.empty()) {
    if (ref.HasDigest()) return absl::InvalidArgumentError("cannot push a digest reference");
    RECLAIM_ASSIGN_OR_RETURN(ref, WithTagParameter(ref, q.tag));
  }
  PushOptions o;
  if (!q.platform.empty()) {
    RECLAIM_ASSIGN_OR_RETURN(Platform p, DecodePlatformJson(q.platform));
    o.platform = p;
  }
  RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<RegistryClient> client, ClientFor(q.registry_auth));
  ProgressThrottle throttle;
  o.progress = [&](const PushEvent& e) {
    if (e.kind == PushEvent::Kind::kPushing && !throttle.Show(e.id, e.current, e.total)) return;
    (void)progress.Write(PushEventJson(e));
  };
  // Written before anything can fail, so every later error is a message.
  RECLAIM_RETURN_IF_ERROR(progress.Write(StatusJson(PushRefersTo(ref))));
  RECLAIM_ASSIGN_OR_RETURN(std::vector<Reference> refs, images_.PushReferences(ref));
  for (const Reference& r : refs) {
    RECLAIM_ASSIGN_OR_RETURN(PushResult pushed, images_.Push(*client, r, o));
    if (!pushed.tag.empty()) RECLAIM_RETURN_IF_ERROR(progress.Write(PushDigestJson(pushed)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<EventStream>> ServiceBackend::Events(const RequestContext& ctx,
                                                                    const EventQuery& query) {
  if (options_.events == nullptr) return Backend::Events(ctx, query);
  RECLAIM_RETURN_IF_ERROR(ValidateEventFilters(query.filters));
  return options_.events->Open(query);
}

absl::StatusOr<Json> ServiceBackend::Login(const RequestContext& ctx, const Json& credentials) {
  if (!options_.registry) return Backend::Login(ctx, credentials);
  RECLAIM_ASSIGN_OR_RETURN(AuthConfig auth, AuthConfigFromJson(credentials.dump()));
  const std::string domain = LoginRegistry(auth.server_address);
  RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<RegistryClient> client, options_.registry(nullptr));
  RECLAIM_ASSIGN_OR_RETURN(LoginResult result, client->CheckLogin(domain, auth));
  Json answer = Json::object();
  answer["Status"] = result.status;  // IdentityToken is omitted when empty (moby)
  return answer;
}

absl::StatusOr<std::unique_ptr<RegistryClient>> ServiceBackend::ClientFor(
    const std::string& registry_auth) {
  const AuthConfig auth = DecodeRegistryAuthHeader(registry_auth);
  return options_.registry([auth](const std::string&) { return auth; });
}

absl::StatusOr<std::string> ServiceBackend::ImportImage(const RequestContext&, ByteSource& rootfs,
                                                        const ImageImportQuery& q,
                                                        JsonMessageWriter&) {
  if (q.source != "-") {
    return absl::UnimplementedError("reclaim cannot import from a URL: " + q.source +
                                    "; send the archive in the request body (fromSrc=-)");
  }
  if (!q.changes.empty()) {
    return absl::UnimplementedError("reclaim does not support --change on import yet: " +
                                    q.changes.front());
  }
  ImportOptions o;
  if (!q.repo.empty()) {
    // moby's RepoTagReference.
    RECLAIM_ASSIGN_OR_RETURN(Reference ref, ParseNormalizedNamed(q.repo));
    if (ref.HasDigest()) return absl::InvalidArgumentError("cannot import digest reference");
    if (!q.tag.empty()) {
      RECLAIM_ASSIGN_OR_RETURN(ref, WithTag(ref, q.tag));
    }
    o.name = ref.String();
  }
  o.message = q.message;
  if (!q.platform.empty()) {
    RECLAIM_ASSIGN_OR_RETURN(Platform p, ParsePlatformText(q.platform));
    o.platform = p;
  }
  RECLAIM_ASSIGN_OR_RETURN(ImportResult result, images_.Import(rootfs, o));
  return result.target.digest.str();
}

absl::Status ServiceBackend::SaveImages(const RequestContext&, const std::vector<std::string>& names,
                                        ByteSink& out) {
  return images_.Save(names, out).status();
}

absl::StatusOr<Json> ServiceBackend::CreateContainer(const RequestContext&,
                                                     const ContainerCreateQuery& q) {
  ContainerCreateRequest r;
  r.name = q.name;
  if (auto it = q.body.find("Image"); it != q.body.end() && !it->is_null()) {
    if (!it->is_string()) return absl::InvalidArgumentError("invalid JSON: Image must be a string");
    r.image = it->get<std::string>();
  }
  RECLAIM_ASSIGN_OR_RETURN(r.cmd, StrSlice(q.body, "Cmd"));
  RECLAIM_ASSIGN_OR_RETURN(r.entrypoint, StrSlice(q.body, "Entrypoint"));
  if (auto it = q.body.find("Env"); it != q.body.end() && !it->is_null()) {
    if (!it->is_array()) return absl::InvalidArgumentError("invalid JSON: Env must be an array");
    for (const Json& e : *it) {
      if (!e.is_string()) return absl::InvalidArgumentError("invalid JSON: Env must hold strings");
      r.env.push_back(e.get<std::string>());
    }
  }
  if (auto it = q.body.find("Labels"); it != q.body.end() && !it->is_null()) {
    if (!it->is_object()) return absl::InvalidArgumentError("invalid JSON: Labels must be an object");
    for (auto l = it->begin(); l != it->end(); ++l) {
      if (!l.value().is_string()) {
        return absl::InvalidArgumentError("invalid JSON: label values must be strings");
      }
      r.labels[l.key()] = l.value().get<std::string>();
    }
  }
  RECLAIM_ASSIGN_OR_RETURN(ContainerCreateResult created, containers_.Create(r));
  return ContainerCreateResponseJson(created);
}

absl::StatusOr<Json> ServiceBackend::ListContainers(const RequestContext&,
                                                    const ContainerListQuery& q) {
  RECLAIM_RETURN_IF_ERROR(q.filters.Validate({"ancestor", "before", "expose", "exited", "health",
                                              "id", "isolation", "is-task", "label", "name",
                                              "network", "publish", "since", "status", "volume"}));
  bool all = q.all;
  for (const std::string& s : q.filters.Get("status")) {
    if (!IsContainerState(s)) return InvalidFilterError("status", {s});
    all = true;  // moby: a status filter lists stopped containers too
  }
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContainerInfo> containers, containers_.List());
  // reclaim's containers never run: without -a (or a limit) moby shows none.
  if (!all && q.limit <= 0) return Json::array();

  std::optional<ImageService::DiskUsage> usage;
  if (q.size) {
    RECLAIM_ASSIGN_OR_RETURN(usage, images_.Usage());
  }
  auto root_fs_size = [&](const ContainerInfo& c) -> int64_t {
    if (!usage.has_value()) return 0;
    for (const ImageSummary& s : usage->images) {
      if (s.id == c.image_id) return s.size;
    }
    return 0;
  };
  // `before` / `since`: containers created before / after the named one.
  auto created_of = [&](const std::string& ref) -> absl::StatusOr<absl::Time> {
    RECLAIM_ASSIGN_OR_RETURN(ContainerInfo c, containers_.Inspect(ref));
    return c.created;
  };
  std::vector<absl::Time> before;
  std::vector<absl::Time> since;
  for (const std::string& b : q.filters.Get("before")) {
    RECLAIM_ASSIGN_OR_RETURN(absl::Time t, created_of(b));
    before.push_back(t);
  }
  for (const std::string& s : q.filters.Get("since")) {
    RECLAIM_ASSIGN_OR_RETURN(absl::Time t, created_of(s));
    since.push_back(t);
  }

  auto matches = [&](const ContainerInfo& c) {
    for (const std::string& id : q.filters.Get("id")) {
      if (c.id.rfind(id, 0) != 0) return false;
    }
    for (const std::string& name : q.filters.Get("name")) {
      if (("/" + c.name).find(name) == std::string::npos) return false;
    }
    if (!LabelsMatch(c.labels, q.filters.Get("label"))) return false;
    for (const std::string& s : q.filters.Get("status")) {
      if (s != c.state) return false;
    }
    std::vector<std::string> ancestors = q.filters.Get("ancestor");
    if (!ancestors.empty()) {
      bool any = false;
      for (const std::string& a : ancestors) {
        std::string hex = a.rfind("sha256:", 0) == 0 ? a.substr(7) : a;
        if (a == c.image || (!hex.empty() && c.image_id.hex().rfind(hex, 0) == 0)) any = true;
        absl::StatusOr<Reference> want = ParseNormalizedNamed(a);
        absl::StatusOr<Reference> have = ParseNormalizedNamed(c.image);
        if (want.ok() && have.ok() && TagNameOnly(*want) == TagNameOnly(*have)) any = true;
      }
      if (!any) return false;
    }
    for (const absl::Time& t : before) {
      if (!(c.created < t)) return false;
    }
    for (const absl::Time& t : since) {
      if (!(c.created > t)) return false;
    }
    // Nothing reclaim records ever exited, has ports, volumes or networks.
    for (const char* none : {"exited", "expose", "publish", "volume", "network", "isolation"}) {
      if (q.filters.Contains(none)) return false;
    }
    for (const std::string& h : q.filters.Get("health")) {
      if (h != "none") return false;
    }
    for (const std::string& t : q.filters.Get("is-task")) {
      if (t == "true") return false;
    }
    return true;
  };

  Json out = Json::array();
  for (const ContainerInfo& c : containers) {
    if (!matches(c)) continue;
    out.push_back(ContainerSummaryJson(c, q.size, 0, root_fs_size(c)));
    if (q.limit > 0 && static_cast<int64_t>(out.size()) >= q.limit) break;
  }
  return out;
}

absl::StatusOr<Json> ServiceBackend::InspectContainer(const RequestContext&, std::string_view id,
                                                      bool size) {
  RECLAIM_ASSIGN_OR_RETURN(ContainerInfo c, containers_.Inspect(id));
  int64_t root_fs = 0;
  if (size) {
    RECLAIM_ASSIGN_OR_RETURN(ImageService::DiskUsage usage, images_.Usage());
    for (const ImageSummary& s : usage.images) {
      if (s.id == c.image_id) root_fs = s.size;
    }
  }
  return ContainerInspectJson(c, size, root_fs);
}

absl::Status ServiceBackend::RemoveContainer(const RequestContext&, std::string_view id,
                                             const ContainerRemoveQuery& q) {
  return containers_.Remove(id, q.force);
}

absl::StatusOr<Json> ServiceBackend::PruneContainers(const RequestContext&,
                                                     const FilterArgs& filters) {
  RECLAIM_ASSIGN_OR_RETURN(ContainerPruneReport report, containers_.Prune(filters));
  return ContainersPruneReportJson(report);
}

}  // namespace reclaim
