// File: apps/reclaim/serve.h
//
// `reclaim serve`: the embedded store, the services and the Docker Engine API
// wired together. Runs until SIGTERM or SIGINT, then finishes in-flight requests
// and returns 0.
#ifndef RECLAIM_APPS_RECLAIM_SERVE_H_
#define RECLAIM_APPS_RECLAIM_SERVE_H_

#include <iosfwd>

#include "cli/cli.h"

namespace reclaim {

// REQUIRES: SIGTERM and SIGINT are not yet blocked by another thread's wait.
int Serve(const ServeRequest& request, std::ostream& out, std::ostream& err);

}  // namespace reclaim

#endif  // RECLAIM_APPS_RECLAIM_SERVE_H_
