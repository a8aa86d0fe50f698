// File: cli/cli.h
//
// The `reclaim` command line: commands that work on a store directly, without a
// daemon, through the service layer (ImageService, ContainerService and the
// PruneService over a Store: the embedded one, or a real containerd with
// `--store containerd`). RunCli parses arguments and runs one command with the
// environment it is given, so tests drive it in-process with string streams, a
// temporary root and a fake clock.
//
//   reclaim [--root DIR] [--format text|json]
//           [--store local|containerd] [--containerd-address SOCK]
//           [--namespace NS] [--snapshotter NAME] COMMAND ...
//     image ls|inspect|history|rm|tag|load|save|import|prune
//     container create|ls|rm|prune
//     system df|prune
//     fsck [--repair]
//
// Human output follows the docker CLI byte for byte where Docker has the
// command (specs/docker-api.md §3); `--format json` gives machine output.
// Prompts (`WARNING! ... [y/N] `) go to `out` and read one line from `in`;
// anything but y/Y cancels with status 0, as docker does.
// Exit status: 0 on success; 1 for errors, printed on `err` as "Error: <message>";
// 2 for usage errors (CLI11's convention is kept); 130 (128+SIGINT, as the
// docker CLI) when `cancel` stopped a command.
//
// Cancellation: main() points `cancel` at a token its SIGINT handler sets, and
// `interruptible` at a flag the commands that honour the token (the prunes, and
// a `--wait` for the store) raise while they run; outside those the handler
// lets the signal end the process as usual.
//
// Thread-safety: one RunCli at a time per CliEnv.
#ifndef RECLAIM_CLI_CLI_H_
#define RECLAIM_CLI_CLI_H_

#include "core/filters.h"
#include "hosts/host_policy.h"
#include <atomic>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "platform/clock.h"
#include "platform/cancel.h"
#include "registry/client.h"
#include "store/open/open_store.h"

namespace reclaim {

// What `reclaim serve` asks of the process (apps/ provides it: cli/ does not
// depend on api/).
struct ServeRequest {
  StoreSpec store;                 // the store to serve (root resolved)
  std::vector<std::string> hosts;  // "unix:///path" or "tcp://127.0.0.1:PORT"
  HostPolicyOptions host;          // the host profile (--host, --min-age, --sandbox-image)
  // --prune-interval (0: never) and --prune-filter: a scheduled image prune.
  absl::Duration prune_interval = absl::ZeroDuration();
  FilterArgs prune_filters;
  // The registry settings pulls use (credentials come with each request).
  RegistryClientOptions registry;
  // --metrics-addr: where Prometheus scrapes /metrics ("tcp://127.0.0.1:9323");
  // empty: no metrics listener.
  std::string metrics_addr;
  // --log-level and --log-format (dockerd's flags): platform/logging.h.
  std::string log_level = "info";
  bool log_json = false;
};

struct CliEnv {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  std::istream* in = nullptr;   // prompt answers; null reads as end of input
  int stdin_fd = 0;             // archive input when no -i/file is given
  int stdout_fd = 1;            // archive output when no -o is given
  bool stdout_is_terminal = false;
  bool stderr_is_terminal = false;  // progress bars are drawn on `err` only then
  const Clock* clock = nullptr;     // default RealClock()
  std::optional<absl::TimeZone> zone;  // zone-less `until` values; default LocalTimeZone()
  // Default root when --root is not given (design.md): /var/lib/reclaim as
  // root, else $XDG_DATA_HOME/reclaim or ~/.local/share/reclaim.
  std::string default_root;
  // false skips fsync in the store (tests only; LocalStoreOptions::sync).
  bool store_sync = true;
  const CancelToken* cancel = nullptr;          // set on SIGINT by main()
  std::atomic<bool>* interruptible = nullptr;   // see the file comment
  absl::Duration progress_delay = absl::Milliseconds(500);  // before a bar appears
  absl::Duration wait_poll = absl::Milliseconds(50);        // `--wait` retry interval
  // Runs the daemon until it is told to stop; returns the exit status. Unset:
  // `reclaim serve` answers that this build cannot serve.
  std::function<int(const ServeRequest&)> serve;
};

// The default socket of `reclaim serve` (design.md): /run/reclaim/reclaim.sock as
// root, else $XDG_RUNTIME_DIR/reclaim.sock (/tmp/reclaim-<uid>/reclaim.sock without it).
std::string DefaultSocket();

// The default store root for this process, per design.md.
std::string DefaultRoot();

// Runs `reclaim <args...>` (args excludes the program name). Returns the exit status.
int RunCli(const std::vector<std::string>& args, const CliEnv& env);

}  // namespace reclaim

#endif  // RECLAIM_CLI_CLI_H_
