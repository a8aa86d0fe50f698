#include "cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <istream>
#include <ostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "cli/table.h"
#include "core/go_strconv.h"
#include "core/human_size.h"
#include "core/timestamp.h"
#include "core/reference.h"
#include "core/status.h"
#include "nlohmann/json.hpp"
#include "service/prune/prune_service.h"
#include "service/resolve.h"
#include "imageio/names.h"
#include "platform/logging.h"
#include "store/local/local_store.h"
#include "store/open/open_store.h"

#ifndef RECLAIM_VERSION
#define RECLAIM_VERSION "0.0.0"
#endif

namespace reclaim {
namespace cli_internal {

// ---- Session

Session::~Session() {
  containers_.reset();
  images_.reset();
  store_.reset();
  host_.reset();
}

std::unique_ptr<ProgressBar> Session::Progress(const std::string& label,
                                              const std::string& operation, int64_t total,
                                              bool quiet, ProgressUnit unit) {
  if (quiet || (!Json() && !env_.stderr_is_terminal)) return nullptr;
  auto bar = std::make_unique<ProgressBar>(err(), label, total, env_.progress_delay);
  bar->Unit(unit);
  if (Json()) bar->JsonLines(operation);
  return bar;
}

int Session::Fail(const absl::Status& status) {
  std::string message(status.message());
  size_t start = 0;
  for (;;) {
    const size_t nl = message.find('\n', start);
    err() << "Error: " << message.substr(start, nl - start) << "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  if (absl::IsCancelled(status) && Cancelled()) return kExitInterrupted;
  return kExitError;
}

int Session::Usage(const std::string& message) {
  err() << "Error: " << message << "\n";
  err() << "Run 'reclaim --help' for usage.\n";
  return kExitUsage;
}

namespace {

// A size flag: plain bytes, or a number with B, kB, MB, GB (10^3) or KiB,
// MiB, GiB (2^10) after it.
absl::StatusOr<uint64_t> ParseSizeFlag(const std::string& flag, const std::string& value) {
  size_t digits = 0;
  while (digits < value.size() && std::isdigit(static_cast<unsigned char>(value[digits]))) {
    ++digits;
  }
  const std::string unit = value.substr(digits);
  static const std::pair<const char*, uint64_t> kUnits[] = {
      {"", 1},          {"B", 1},         {"kB", 1000},     {"KB", 1000},
      {"MB", 1000000},  {"GB", 1000000000}, {"KiB", 1 << 10}, {"MiB", 1 << 20},
      {"GiB", uint64_t{1} << 30}};
  if (digits > 0 && digits <= 12) {
    for (const auto& [name, scale] : kUnits) {
      if (unit == name) return std::stoull(value.substr(0, digits)) * scale;
    }
  }
  return absl::InvalidArgumentError("invalid " + flag + " \"" + value +
                                    "\": want bytes, or a number with B, kB, MB, GB, KiB, "
                                    "MiB or GiB");
}

}  // namespace

absl::StatusOr<StoreSpec> Session::Spec(const std::string& holder) const {
  StoreSpec spec;
  RECLAIM_ASSIGN_OR_RETURN(spec.reserve_bytes, ParseSizeFlag("--reserve-space", g_.reserve_space));
  RECLAIM_ASSIGN_OR_RETURN(spec.kind, ParseStoreKind(g_.store));
  spec.root = Root();
  spec.clock = env_.clock;
  spec.holder = holder;
  spec.sync = env_.store_sync;
  spec.containerd_address = g_.containerd_address;
  spec.ns = g_.ns;
  spec.snapshotter = g_.snapshotter;
  return spec;
}

namespace {

// A flag holding a Go duration (time.ParseDuration), not negative.
absl::StatusOr<absl::Duration> ParseDurationFlag(const std::string& flag, const std::string& value,
                                                 std::string_view example) {
  absl::StatusOr<int64_t> ns = ParseGoDuration(value);
  if (!ns.ok() || *ns < 0) {
    return absl::InvalidArgumentError("invalid argument \"" + value + "\" for \"" + flag +
                                      "\" flag: want a duration such as " + std::string(example));
  }
  return absl::Nanoseconds(*ns);
}

}  // namespace

absl::StatusOr<HostPolicyOptions> Session::HostOptions(const StoreSpec& spec) const {
  HostPolicyOptions o;
  RECLAIM_ASSIGN_OR_RETURN(
      o.host, ChooseHost(g_.host, spec.kind == StoreKind::kContainerd ? spec.ns : ""));
  o.sandbox_image = g_.sandbox_image;
  o.snapshotter = SnapshotterOf(spec);
  if (o.host.kind == HostKind::kKubernetes) o.min_age = kKubernetesMinAge;
  if (!g_.min_age.empty()) {
    RECLAIM_ASSIGN_OR_RETURN(o.min_age, ParseDurationFlag("--min-age", g_.min_age, "2m"));
  }
  return o;
}

RegistryClientOptions Session::RegistryOptions(CredentialsFn credentials) const {
  RegistryClientOptions o;
  o.hosts.insecure_registries = g_.insecure_registries;
  o.hosts.registry_mirrors = g_.registry_mirrors;
  o.certs_dir = g_.registry_certs_dir;
  o.credentials = std::move(credentials);
  return o;
}

absl::Status Session::Open(const std::string& holder, bool wait, bool prune) {
  if (store_ != nullptr) return absl::OkStatus();
  RECLAIM_ASSIGN_OR_RETURN(const StoreSpec spec, Spec(holder));
  bool told = false;
  for (;;) {
    absl::StatusOr<std::unique_ptr<Store>> opened = OpenStore(spec);
    if (opened.ok()) {
      store_ = *std::move(opened);
      break;
    }
    const absl::Status& s = opened.status();
    const std::string message(s.message());
    if (!absl::IsFailedPrecondition(s) || message.find(" is in use by ") == std::string::npos) {
      return s;
    }
    if (!wait) {
      if (prune && message.ends_with(" prune)")) {
        return absl::AbortedError(std::string(kPruneRunningMessage));
      }
      return s;
    }
    if (!told) {
      err() << "Waiting: " << message << "\n" << std::flush;
      told = true;
    }
    if (Cancelled()) return absl::CancelledError("waiting for the store: context canceled");
    std::this_thread::sleep_for(absl::ToChronoMilliseconds(env_.wait_poll));
  }
  RECLAIM_ASSIGN_OR_RETURN(HostPolicyOptions host, HostOptions(spec));
  host_ = std::make_unique<HostPolicy>(std::move(host));
  ImageServiceOptions io;
  io.host = host_.get();
  io.clock = env_.clock;
  io.zone = env_.zone;
  io.snapshotter = SnapshotterOf(spec);
  io.parallelism = InventoryParallelism(spec);
  io.unpack = UnpackerOf(*store_, NormalizePlatform);
  images_ = std::make_unique<ImageService>(*store_, io);
  containers_ = std::make_unique<ContainerService>(*images_);
  return absl::OkStatus();
}

bool Session::Confirm(const std::string& message) {
  out() << message << " [y/N] " << std::flush;
  std::string line;
  if (env_.in == nullptr || !std::getline(*env_.in, line)) return false;
  const size_t b = line.find_first_not_of(" \t\r\n\v\f");
  if (b == std::string::npos) return false;
  const size_t e = line.find_last_not_of(" \t\r\n\v\f");
  const std::string answer = line.substr(b, e - b + 1);
  return answer == "y" || answer == "Y";
}

Session::Interruptible::Interruptible(Session& s) : flag_(s.env_.interruptible) {
  if (flag_ != nullptr) flag_->store(true);
}

Session::Interruptible::~Interruptible() {
  if (flag_ != nullptr) flag_->store(false);
}

// ---- shared helpers

absl::StatusOr<FilterArgs> ParseFilterFlags(const std::vector<std::string>& values) {
  FilterArgs args;
  auto trim = [](std::string_view v) {
    const size_t b = v.find_first_not_of(" \t\r\n\v\f");
    if (b == std::string_view::npos) return std::string();
    const size_t e = v.find_last_not_of(" \t\r\n\v\f");
    return std::string(v.substr(b, e - b + 1));
  };
  for (const std::string& v : values) {
    if (v.empty()) continue;
    const size_t eq = v.find('=');
    if (eq == std::string::npos) {
      return absl::InvalidArgumentError("invalid argument \"" + v +
                                        "\" for \"--filter\" flag: bad format of filter "
                                        "(expected name=value)");
    }
    std::string name = trim(std::string_view(v).substr(0, eq));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    args.Add(name, trim(std::string_view(v).substr(eq + 1)));
  }
  return args;
}

std::string Ago(absl::Time now, absl::Time t) { return HumanDuration(now - t) + " ago"; }

std::string GoTimeString(absl::Time t, absl::TimeZone zone) {
  const absl::TimeZone::CivilInfo ci = zone.At(t);
  std::string frac;
  const int64_t nanos = absl::ToInt64Nanoseconds(ci.subsecond);
  if (nanos != 0) {
    frac = std::to_string(nanos + 1000000000).substr(1);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    frac = "." + frac;
  }
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", t, zone) + frac +
         absl::FormatTime(" %z %Z", t, zone);
}

std::string GoQuote(std::string_view s) { return strconv::Quote(s); }

std::string ContainerCommandColumn(const ContainerInfo& c, bool trunc) {
  const std::string command = c.Command();
  return GoQuote(trunc ? Ellipsis(command, 20) : command);
}

std::string ContainerImageColumn(const std::vector<ImageRecord>& images, const ContainerInfo& c,
                                 bool trunc) {
  std::string image = c.image;
  // A container made by another client (ctr, nerdctl) has no image ID: its
  // image name is all there is.
  if (c.image_id.valid() && image != c.image_id.str()) {
    absl::StatusOr<ImageRecord> r = ResolveImage(images, image);
    if (!r.ok() || r->target.digest != c.image_id) image = c.image_id.str();
  }
  if (image.empty()) return "<no image>";
  if (!trunc) return image;
  if (TruncateId(c.image_id.str()) == TruncateId(image)) return TruncateId(image);
  absl::StatusOr<Reference> ref = ParseNormalizedNamed(image);
  if (ref.ok()) {
    if (ref->HasTag()) {
      absl::StatusOr<Reference> tagged = WithTag(TrimNamed(*ref), ref->Tag());
      if (tagged.ok()) return tagged->FamiliarString();
    } else {
      return TrimNamed(*ref).FamiliarString();
    }
  }
  return image;
}

namespace {

// ---- info
int Info(Session& s) {
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  const HostPolicyOptions& h = s.host().options();
  const std::string min_age = absl::FormatDuration(h.min_age);
  if (s.Json()) {
    nlohmann::json j = {{"Store", s.store().Describe()},
                        {"HostProfile", HostKindName(h.host.kind)},
                        {"HostProfileReason", h.host.reason},
                        {"MinAge", min_age}};
    if (h.host.kind == HostKind::kKubernetes) j["SandboxImage"] = h.sandbox_image;
    s.out() << j.dump() << "\n";
    return kExitOk;
  }
  s.out() << "Store: " << s.store().Describe() << "\n"
          << "Host profile: " << HostChoiceText(h.host) << "\n"
          << "Min age: " << min_age << "\n";
  if (h.host.kind == HostKind::kKubernetes) s.out() << "Sandbox image: " << h.sandbox_image << "\n";
  return kExitOk;
}

// ---- fsck
int Fsck(Session& s, bool repair) {
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  LocalStore* local = AsLocalStore(s.store());
  if (local == nullptr) {
    return s.Fail(absl::FailedPreconditionError(
        "fsck checks the embedded store's files; " + s.store().Describe() +
        " keeps its own (use ctr or containerd's tools)"));
  }
  auto report = local->Fsck(repair);
  if (!report.ok()) return s.Fail(report.status());
  // Content nothing references (an interrupted load's, say): reported, and
  // collected by --repair as any prune would.
  absl::StatusOr<uint64_t> unreferenced = s.images().prune().UnreferencedBytes(s.cancel());
  if (!unreferenced.ok()) return s.Fail(unreferenced.status());
  bool collected = false;
  if (repair && *unreferenced > 0) {
    if (absl::Status st = s.store().collector().Collect().status(); !st.ok()) return s.Fail(st);
    collected = true;
  }
  if (s.Json()) {
    nlohmann::json j = {{"BlobsChecked", report->blobs_checked},
                        {"ImagesChecked", report->images_checked},
                        {"UnreferencedBytes", *unreferenced},
                        {"UnreferencedCollected", collected},
                        {"Problems", nlohmann::json::array()},
                        {"Garbage", nlohmann::json::array()}};
    for (const auto& p : report->problems) {
      j["Problems"].push_back({{"What", p.what}, {"Repaired", p.repaired}});
    }
    for (const auto& p : report->garbage) {
      j["Garbage"].push_back({{"What", p.what}, {"Repaired", p.repaired}});
    }
    s.out() << j.dump() << "\n";
  } else {
    for (const auto& p : report->problems) {
      s.out() << "problem: " << p.what << (p.repaired ? " (repaired)" : "") << "\n";
    }
    for (const auto& p : report->garbage) {
      s.out() << "garbage: " << p.what << (p.repaired ? " (removed)" : "") << "\n";
    }
    if (*unreferenced > 0) {
      s.out() << "unreferenced: " << HumanSizeBytes(*unreferenced)
              << " that no image, container or lease references"
              << (collected ? " (collected)" : " (any prune or fsck --repair collects it)")
              << "\n";
    }
    s.out() << "checked " << report->blobs_checked << " blobs and " << report->images_checked
            << " images: " << report->problems.size() << " problem(s), "
            << report->garbage.size() << " collectable leftover(s)\n";
  }
  int unrepaired = 0;
  for (const auto& p : report->problems) unrepaired += p.repaired ? 0 : 1;
  return unrepaired == 0 ? kExitOk : kExitError;
}

}  // namespace
}  // namespace cli_internal

std::string DefaultRoot() {
  if (::geteuid() == 0) return "/var/lib/reclaim";
  if (const char* x = std::getenv("XDG_DATA_HOME"); x != nullptr && *x != '\0') {
    return std::string(x) + "/reclaim";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.local/share/reclaim";
}

std::string DefaultSocket() {
  if (::geteuid() == 0) return "/run/reclaim/reclaim.sock";
  if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x != nullptr && *x != '\0') {
    return std::string(x) + "/reclaim.sock";
  }
  return "/tmp/reclaim-" + std::to_string(::geteuid()) + "/reclaim.sock";
}

int RunCli(const std::vector<std::string>& args, const CliEnv& env) {
  using namespace cli_internal;
  Globals g;
  Session session(env, g);
  CLI::App app{"reclaim: Docker-exact image pruning, with dry-run plans and explanations"};
  app.set_version_flag("--version,-v", std::string("reclaim version ") + RECLAIM_VERSION);
  app.fallthrough();
  app.require_subcommand(1);
  app.add_option("--root", g.root, "Store root (default " + env.default_root + ")");
  app.add_option("--format", g.format, "Output format")->check(CLI::IsMember({"text", "json"}));
  app.add_option("--store", g.store, "Store: local (the embedded store under --root) or containerd")
      ->check(CLI::IsMember({"local", "containerd"}));
  app.add_option("--containerd-address", g.containerd_address,
                 "containerd's gRPC socket, with --store containerd (default " +
                     std::string(kDefaultContainerdAddress) + ")");
  app.add_option("--namespace", g.ns,
                 "containerd namespace, with --store containerd (default " +
                     std::string(kDefaultContainerdNamespace) + "; Docker uses moby)");
  app.add_option("--snapshotter", g.snapshotter,
                 "Snapshotter whose snapshots count, with --store containerd (default " +
                     std::string(kDefaultSnapshotter) + ")");

  app.add_option("--host", g.host,
                 "Host profile: containerd, kubernetes or docker (default: from --namespace; "
                 "k8s.io is kubernetes, moby is docker). Give it before the subcommand");
  app.add_option("--min-age", g.min_age,
                 "Keep images whose record is younger than this (default 2m on kubernetes, "
                 "kubelet's imageMinimumGCAge; 0 elsewhere)");
  app.add_option("--sandbox-image", g.sandbox_image,
                 "kubernetes: the sandbox (pause) image, never pruned (default " +
                     std::string(kDefaultSandboxImage) + ")");

  app.add_option("--insecure-registry", g.insecure_registries,
                 "A registry (host[:port] or CIDR) reached over plain HTTP or unverified TLS; "
                 "loopback always is (repeatable)");
  app.add_option("--registry-mirror", g.registry_mirrors,
                 "A mirror (URL) tried before docker.io (repeatable)");
  app.add_option("--reserve-space", g.reserve_space,
                 "Space the embedded store keeps in <root>/reserve and gives back when the disk "
                 "is full, so a prune can run (default 32MiB; 0 keeps none)");
  app.add_option("--registry-certs-dir", g.registry_certs_dir,
                 "Per-registry CAs and client certificates, <dir>/<host[:port]>/ (default " +
                     std::string(kDefaultCertsDir) + ")");

  int status = 0;
  auto* fsck = app.add_subcommand("fsck", "Check the store's on-disk invariants");
  bool repair = false;
  fsck->add_flag("--repair", repair, "Fix what can be fixed (drop corrupt blobs, remove leftovers)");
  fsck->callback([&] { status = Fsck(session, repair); });

  auto* info = app.add_subcommand("info", "Show the store and the host profile in effect");
  info->callback([&] { status = Info(session); });

  auto* serve = app.add_subcommand(
      "serve", "Serve the Docker Engine API on the store (point DOCKER_HOST at it)");
  std::vector<std::string> hosts;
  serve->add_option("-H,--host", hosts,
                    "Listen address: unix:///path or tcp://127.0.0.1:PORT (repeatable; default "
                    "unix://" + DefaultSocket() + ")");
  std::string prune_interval;
  std::vector<std::string> prune_filters;
  serve->add_option("--prune-interval", prune_interval,
                    "Run `image prune` with --prune-filter every DUR (e.g. 24h; default never)");
  serve->add_option("--prune-filter", prune_filters,
                    "A filter of the scheduled prune, as `image prune --filter` (repeatable; "
                    "dangling=false prunes unused images, not only dangling ones)");
  std::string metrics_addr;
  serve->add_option("--metrics-addr", metrics_addr,
                    "Serve Prometheus metrics on /metrics at this loopback HOST:PORT "
                    "(dockerd's flag; e.g. 127.0.0.1:9323; default none)");
  std::string log_level = "info";
  std::string log_format = "text";
  serve->add_option("--log-level", log_level,
                    "Log level: trace, debug, info, warn, error, fatal, off (default info)");
  serve->add_option("--log-format", log_format, "Log lines as text or json (default text)")
      ->check(CLI::IsMember({"text", "json"}));
  serve->callback([&] {
    if (!env.serve) {
      *env.err << "Error: this build of reclaim cannot serve\n";
      status = kExitError;
      return;
    }
    if (hosts.empty()) hosts.push_back("unix://" + DefaultSocket());
    for (const std::string& h : hosts) {
      if (ParseHostKind(h).ok()) {
        status = session.Usage("-H/--host after serve is the listen address; give the host "
                               "profile before the subcommand: reclaim --host " + h + " serve");
        return;
      }
    }
    absl::StatusOr<StoreSpec> spec = session.Spec("reclaim serve");
    if (!spec.ok()) {
      status = session.Fail(spec.status());
      return;
    }
    absl::StatusOr<HostPolicyOptions> host = session.HostOptions(*spec);
    if (!host.ok()) {
      status = session.Fail(host.status());
      return;
    }
    ServeRequest request{*std::move(spec), hosts, *std::move(host)};
    request.registry = session.RegistryOptions(nullptr);
    if (absl::Status s = RegistryClient::Create(request.registry).status(); !s.ok()) {
      status = session.Usage(std::string(s.message()));
      return;
    }
    if (!prune_interval.empty()) {
      absl::StatusOr<absl::Duration> interval =
          ParseDurationFlag("--prune-interval", prune_interval, "24h");
      if (!interval.ok()) {
        status = session.Usage(std::string(interval.status().message()));
        return;
      }
      request.prune_interval = *interval;
    }
    absl::StatusOr<FilterArgs> filters = ParseFilterFlags(prune_filters);
    if (!filters.ok()) {
      status = session.Usage(std::string(filters.status().message()));
      return;
    }
    request.prune_filters = *std::move(filters);
    if (absl::Status s = ParseLogLevel(log_level).status(); !s.ok()) {
      status = session.Usage(std::string(s.message()));
      return;
    }
    request.log_level = log_level;
    request.log_json = log_format == "json";
    if (!metrics_addr.empty()) {
      request.metrics_addr =
          metrics_addr.find("://") == std::string::npos ? "tcp://" + metrics_addr : metrics_addr;
    }
    status = env.serve(std::move(request));
  });

  auto* image = app.add_subcommand("image", "Manage images");
  image->require_subcommand(1);
  AddImageCommands(*image, session, status);
  AddImagePruneCommand(*image, session, status);
  AddRegistryCommands(app, *image, session, status);

  auto* container = app.add_subcommand("container", "Manage containers (records only: reclaim never runs them)");
  container->require_subcommand(1);
  AddContainerCommands(*container, session, status);

  auto* system = app.add_subcommand("system", "Manage the store as a whole");
  system->require_subcommand(1);
  AddSystemCommands(*system, session, status);

  const std::vector<std::string> marked = MarkContainerCommand(args);
  std::vector<std::string> reversed(marked.rbegin(), marked.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e, *env.out, *env.err);
  } catch (const CLI::ParseError& e) {
    if (args.empty()) {
      *env.out << app.help();
      return 0;
    }
    *env.err << "Error: " << e.what() << "\n";
    *env.err << "Run 'reclaim --help' for usage.\n";
    return kExitUsage;
  }
  env.out->flush();
  return status;
}

}  // namespace reclaim
