// File: cli/commands.h
//
// Internal to cli/: the per-invocation Session the command groups share (the
// environment, the global flags, the store and services opened on demand,
// prompts, error printing, cancellation) and the functions that add each
// group's subcommands to the CLI11 app. Not a public API: only cli/*.cc include it.
//
// Thread-safety: a Session belongs to one RunCli call.
#ifndef RECLAIM_CLI_COMMANDS_H_
#define RECLAIM_CLI_COMMANDS_H_

#include "hosts/host_policy.h"
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "core/filters.h"
#include "docker/json.h"
#include "service/container_service.h"
#include "service/image_service.h"
#include "store/open/open_store.h"
#include "store/store.h"

namespace reclaim::cli_internal {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 130;  // 128 + SIGINT, as the docker CLI

struct Globals {
  std::string root;
  std::string format = "text";
  std::string store = "local";  // --store
  std::string containerd_address = std::string(kDefaultContainerdAddress);
  std::string ns = std::string(kDefaultContainerdNamespace);
  std::string snapshotter = std::string(kDefaultSnapshotter);
  std::string host;  // --host profile; empty: from the namespace
  std::string min_age;  // --min-age (Go duration); empty: the profile's default
  std::string sandbox_image = std::string(kDefaultSandboxImage);
  // Registries (pull): --insecure-registry, --registry-mirror, --registry-certs-dir.
  std::vector<std::string> insecure_registries;
  std::vector<std::string> registry_mirrors;
  std::string registry_certs_dir = std::string(kDefaultCertsDir);
  std::string reserve_space = "32MiB";  // --reserve-space (embedded store)
};

class Session {
 public:
  Session(const CliEnv& env, Globals& globals) : env_(env), g_(globals) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  const CliEnv& env() const { return env_; }
  std::ostream& out() { return *env_.out; }
  std::ostream& err() { return *env_.err; }
  bool Json() const { return g_.format == "json"; }
  // The progress display of a long operation on stderr, or null when none is
  // shown: `quiet`, or neither JSON output (JSON lines) nor a terminal (a
  // bar). `operation` names it in the JSON lines ("load", "prune").
  std::unique_ptr<ProgressBar> Progress(const std::string& label, const std::string& operation,
                                        int64_t total, bool quiet,
                                        ProgressUnit unit = ProgressUnit::kBytes);
  const Clock& clock() const { return env_.clock != nullptr ? *env_.clock : RealClock(); }
  absl::Time Now() const { return clock().Now(); }
  absl::TimeZone zone() const { return env_.zone.has_value() ? *env_.zone : LocalTimeZone(); }
  std::string Root() const { return g_.root.empty() ? env_.default_root : g_.root; }
  // The store the global flags name (root resolved); InvalidArgument for an
  // unknown --store.
  [[nodiscard]] absl::StatusOr<StoreSpec> Spec(const std::string& holder) const;
  // The host profile of `spec` and its options (--host, --min-age,
  // --sandbox-image); InvalidArgument for a bad value.
  [[nodiscard]] absl::StatusOr<HostPolicyOptions> HostOptions(const StoreSpec& spec) const;
  // The registry settings of the global flags (hosts, certs.d), for a client
  // of `credentials`.
  RegistryClientOptions RegistryOptions(CredentialsFn credentials) const;
  // The host policy the opened services use (valid after Open).
  const HostPolicy& host() const { return *host_; }

  // "Error: <line>" on err for each line of the message. Returns 1, or 130
  // when the status is a cancellation caused by `cancel`.
  int Fail(const absl::Status& status);
  // A usage error: "Error: <message>" and the help hint; returns 2.
  int Usage(const std::string& message);

  // Opens the store (the embedded one: LOCK holder `holder`) and the services.
  // When another process holds the embedded store's root: without `wait`, the open error, or Aborted `a
  // prune operation is already running` when `prune` and the holder is a
  // prune; with `wait`, retries every env.wait_poll (telling err once) until
  // the root is free or `cancel` is set (Cancelled).
  [[nodiscard]] absl::Status Open(const std::string& holder = "reclaim", bool wait = false,
                                  bool prune = false);
  Store& store() { return *store_; }
  ImageService& images() { return *images_; }
  ContainerService& containers() { return *containers_; }

  // Prints `message` + " [y/N] " on out and reads one line from env.in; true
  // only for y or Y (surrounding spaces ignored), as docker's PromptForConfirmation.
  bool Confirm(const std::string& message);

  const CancelToken* cancel() const { return env_.cancel; }
  bool Cancelled() const { return env_.cancel != nullptr && env_.cancel->cancelled(); }

  // Raises env.interruptible for its scope: SIGINT then sets `cancel` instead
  // of ending the process.
  class Interruptible {
   public:
    explicit Interruptible(Session& s);
    ~Interruptible();
    Interruptible(const Interruptible&) = delete;
    Interruptible& operator=(const Interruptible&) = delete;

   private:
    std::atomic<bool>* flag_;
  };

 private:
  const CliEnv& env_;
  Globals& g_;
  std::unique_ptr<HostPolicy> host_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ImageService> images_;
  std::unique_ptr<ContainerService> containers_;
};

// docker's opts.FilterOpt: each value `name=value` (name lower-cased and
// trimmed, value trimmed). Error: `invalid argument "<v>" for "--filter" flag:
// bad format of filter (expected name=value)`.
[[nodiscard]] absl::StatusOr<FilterArgs> ParseFilterFlags(const std::vector<std::string>& values);

// The docker formatter's CREATED-style column: HumanDuration(now - t) + " ago".
std::string Ago(absl::Time now, absl::Time t);
// Go's time.Time.String() in `zone`: "2006-01-02 15:04:05.999999999 -0700 MST".
std::string GoTimeString(absl::Time t, absl::TimeZone zone);

// The Image column of `docker ps` for a container: moby's list shows the image
// ID when the name no longer resolves to the image the container was made
// from; the CLI then shortens IDs and drops digests.
// `images`: every image record (Store::ListImages).
std::string ContainerImageColumn(const std::vector<ImageRecord>& images, const ContainerInfo& c,
                                 bool trunc);
// The Command column: the command cut to 20 runes (trunc) and Go-quoted.
std::string ContainerCommandColumn(const ContainerInfo& c, bool trunc);
// Go's strconv.Quote for the ASCII and UTF-8 text commands hold.
std::string GoQuote(std::string_view s);

// Command groups.
void AddImageCommands(CLI::App& image, Session& s, int& status);
void AddContainerCommands(CLI::App& container, Session& s, int& status);
void AddSystemCommands(CLI::App& system, Session& s, int& status);
void AddImagePruneCommand(CLI::App& image, Session& s, int& status);
// image pull/push, login, logout (registry_commands.cc)
void AddRegistryCommands(CLI::App& app, CLI::App& image, Session& s, int& status);
// `container create [OPTIONS] IMAGE [COMMAND] [ARG...]`: `args` with "--" put
// before IMAGE, so that the command's own options (`sh -c ...`) are not parsed
// as reclaim's; other command lines are returned unchanged.
std::vector<std::string> MarkContainerCommand(const std::vector<std::string>& args);

// The pieces `system prune` shares with the prune commands: each runs one
// prune on an opened Session and gives docker's text block (empty when
// nothing was deleted) in `text`, the bytes it counts in `space`, and the
// API's report in `json` (docker/prune_json.h, docker/container_json.h).
struct PruneStep {
  std::string text;
  uint64_t space = 0;
  Json json;
  // Per-image failures, sorted by name; empty when there were none.
  std::vector<ImageError> errors;
};
// Prints `Error: <name>: <message>` for each error (ImageErrorLine); the exit
// status: kExitOk when there are none, else kExitError.
int PrintImageErrors(Session& s, const std::vector<ImageError>& errors);
[[nodiscard]] absl::StatusOr<PruneStep> ContainerPruneStep(Session& s, const FilterArgs& filters);
[[nodiscard]] absl::StatusOr<PruneStep> ImagePruneStep(Session& s, const FilterArgs& filters,
                                                       bool wait);

}  // namespace reclaim::cli_internal

#endif  // RECLAIM_CLI_COMMANDS_H_
