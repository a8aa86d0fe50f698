// File: registry/certs_dir.h
//
// Docker's per-registry TLS files, `<certs_dir>/<host[:port]>/` (default
// certs_dir `/etc/docker/certs.d`), as moby's ReadCertsDirectory reads them:
//   *.crt              extra CA certificates, trusted on top of the system CAs
//   <name>.cert + <name>.key   a client certificate and its key
// A .cert without its .key (or the reverse) is an error:
//   "missing key <name>.key for client certificate <name>.cert. CA certificates
//    must use the extension .crt"
//   "missing client certificate <name>.cert for key <name>.key"
// A missing directory means no extra files. Files are read through Fs, so
// tests use a temporary or in-memory directory.
//
//   RECLAIM_ASSIGN_OR_RETURN(TlsFiles t, ReadCertsDir(fs, "/etc/docker/certs.d", "reg:5000"));
//
// Thread-safety: a function over an Fs (itself thread-safe).
#ifndef RECLAIM_REGISTRY_CERTS_DIR_H_
#define RECLAIM_REGISTRY_CERTS_DIR_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "platform/fs.h"

namespace reclaim {

inline constexpr std::string_view kDefaultCertsDir = "/etc/docker/certs.d";

struct TlsFiles {
  std::string ca_pem;           // every *.crt, concatenated (PEM)
  std::string client_cert_pem;  // empty when none
  std::string client_key_pem;

  friend bool operator==(const TlsFiles&, const TlsFiles&) = default;
};

[[nodiscard]] absl::StatusOr<TlsFiles> ReadCertsDir(Fs& fs, const std::string& certs_dir,
                                                    std::string_view host);

}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_CERTS_DIR_H_
