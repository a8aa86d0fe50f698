// reclaim: Docker-exact image pruning. main() wires the process environment into
// the CLI (cli/); the commands live there.
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.h"

int main(int argc, char** argv) {
  reclaim::CliEnv env;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.stdout_is_terminal = ::isatty(1) != 0;
  env.default_root = reclaim::DefaultRoot();
  std::vector<std::string> args(argv + 1, argv + argc);
  const int status = reclaim::RunCli(args, env);
  std::cout.flush();
  return status;
}
