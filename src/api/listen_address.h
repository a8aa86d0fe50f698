// File: api/listen_address.h
//
// Where `reclaim serve` listens: `unix://<absolute path>` or
// `tcp://<ip or localhost>:<port>`. Without TLS (reclaim has none yet) only
// loopback TCP addresses are accepted; `localhost` means 127.0.0.1, and port 0
// asks the kernel for a free port (HttpServer::addresses() tells which).
//
//   RECLAIM_ASSIGN_OR_RETURN(ListenAddress a, ParseListenAddress("tcp://[::1]:2375"));
//   a.ToString();   // "tcp://[::1]:2375"
//
// A unix socket path is made ready before binding (PrepareUnixSocketPath):
// its parent directories are created, a stale socket file (nothing accepts on
// it) is replaced, and a live socket or any other file is left alone.
//
// Thread-safety: value type and functions without shared state.
#ifndef RECLAIM_API_LISTEN_ADDRESS_H_
#define RECLAIM_API_LISTEN_ADDRESS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace reclaim {

// A parsed `unix://…` or `tcp://…` listen address.
struct ListenAddress {
  enum class Kind { kUnix, kTcp };
  Kind kind = Kind::kUnix;
  std::string path;   // kUnix: absolute socket path
  std::string host;   // kTcp: the IP literal ("127.0.0.1", "::1")
  uint16_t port = 0;  // kTcp

  // "unix:///run/x.sock", "tcp://127.0.0.1:2375", "tcp://[::1]:2375".
  std::string ToString() const;
};

// InvalidArgument for anything else, and for TCP addresses that are not
// loopback: `refusing to listen on tcp://0.0.0.0:2375: only loopback addresses
// are allowed without TLS`. `localhost` means 127.0.0.1.
[[nodiscard]] absl::StatusOr<ListenAddress> ParseListenAddress(std::string_view address);

// Readies `path` for a unix socket to be bound on it, as described above.
// FailedPrecondition (`cannot listen on unix://<path>: another server is
// listening on it`, `…: the file exists and is not a socket`, …) otherwise.
[[nodiscard]] absl::Status PrepareUnixSocketPath(const std::string& path);

}  // namespace reclaim

#endif  // RECLAIM_API_LISTEN_ADDRESS_H_
