// File: cli/cli.h
//
// The `reclaim` command line: commands that work on a store directly, without a
// daemon. RunCli parses arguments and runs one command with the environment it
// is given, so tests drive it in-process with string streams and a temporary root.
//
//   reclaim [--root DIR] image ls|load|save|import ...
//   reclaim [--root DIR] fsck [--repair]
//
// Human output follows the docker CLI where Docker has the command; `--format
// json` gives machine output. Errors go to `err` as "Error: <message>" and make
// the exit status 1; usage errors exit 2 (CLI11's convention is kept).
//
// Thread-safety: one RunCli at a time per CliEnv.
#ifndef RECLAIM_CLI_CLI_H_
#define RECLAIM_CLI_CLI_H_

#include <iosfwd>
#include <string>
#include <vector>

#include "platform/clock.h"

namespace reclaim {

struct CliEnv {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  int stdin_fd = 0;             // archive input when no -i/file is given
  int stdout_fd = 1;            // archive output when no -o is given
  bool stdout_is_terminal = false;
  const Clock* clock = nullptr;  // default RealClock()
  // Default root when --root is not given (design.md): /var/lib/reclaim as
  // root, else $XDG_DATA_HOME/reclaim or ~/.local/share/reclaim.
  std::string default_root;
};

// The default store root for this process, per design.md.
std::string DefaultRoot();

// Runs `reclaim <args...>` (args excludes the program name). Returns the exit status.
int RunCli(const std::vector<std::string>& args, const CliEnv& env);

}  // namespace reclaim

#endif  // RECLAIM_CLI_CLI_H_
