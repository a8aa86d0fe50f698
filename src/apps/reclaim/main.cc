// reclaim: Docker-exact image pruning. main() parses flags and wires modules;
// the commands themselves live in cli/ as later issues add them.
#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"

#ifndef RECLAIM_VERSION
#define RECLAIM_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  CLI::App app{"reclaim: Docker-exact image pruning, with dry-run plans and explanations"};
  app.set_version_flag("--version,-v", std::string("reclaim version ") + RECLAIM_VERSION);
  app.require_subcommand(0);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (argc == 1) std::fputs(app.help().c_str(), stdout);
  return 0;
}
