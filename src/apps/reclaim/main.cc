// reclaim: Docker-exact image pruning. main() wires the process environment into
// the CLI (cli/); the commands live there.
//
// Signals: SIGINT and SIGTERM set a CancelToken while a command that honours it
// runs (the prunes, a `--wait` for the store, and load, import and pull, which
// stop at their next read or write, record no image and release their lease;
// CliEnv::interruptible): the command stops, says so, and exits 130.
// Otherwise, and on a second signal, the default action ends the process (the
// store's commit protocol makes that safe).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "apps/reclaim/serve.h"
#include "cli/cli.h"
#include "platform/cancel.h"

namespace {

reclaim::CancelToken g_cancel;
std::atomic<bool> g_interruptible{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void OnSignal(int sig) {
  // Only async-signal-safe work here: atomics, signal(2), raise(3).
  if (g_interruptible.load() && !g_cancel.cancelled()) {
    g_cancel.Cancel();
    return;
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void InstallHandlers() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  InstallHandlers();
  reclaim::CliEnv env;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.in = &std::cin;
  env.stdout_is_terminal = ::isatty(1) != 0;
  env.stderr_is_terminal = ::isatty(2) != 0;
  env.default_root = reclaim::DefaultRoot();
  // RECLAIM_PROGRESS_DELAY (a Go duration, e.g. 0s or 2s): how long a long
  // operation runs before its progress display appears (default 500ms).
  if (const char* d = std::getenv("RECLAIM_PROGRESS_DELAY"); d != nullptr) {
    absl::Duration delay;
    if (absl::ParseDuration(d, &delay) && delay >= absl::ZeroDuration()) {
      env.progress_delay = delay;
    }
  }
  env.cancel = &g_cancel;
  env.interruptible = &g_interruptible;
  env.serve = [](const reclaim::ServeRequest& request) {
    return reclaim::Serve(request, std::cout, std::cerr);
  };
  std::vector<std::string> args(argv + 1, argv + argc);
  const int status = reclaim::RunCli(args, env);
  std::cout.flush();
  return status;
}
