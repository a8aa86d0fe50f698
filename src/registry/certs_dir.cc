#include "registry/certs_dir.h"

#include <vector>

#include "core/status.h"
#include "registry/str.h"

namespace reclaim {

absl::StatusOr<TlsFiles> ReadCertsDir(Fs& fs, const std::string& certs_dir, std::string_view host) {
  TlsFiles out;
  // host:port directories use ':'; IPv6 hosts appear as in the reference.
  const std::string dir = str::Cat(certs_dir, "/", host);
  absl::StatusOr<std::vector<std::string>> names = fs.ListDir(dir);
  if (absl::IsNotFound(names.status())) return out;
  if (!names.ok()) return names.status();
  auto has = [&](const std::string& name) {
    for (const std::string& n : *names) {
      if (n == name) return true;
    }
    return false;
  };
  for (const std::string& name : *names) {
    const std::string path = str::Cat(dir, "/", name);
    if (str::EndsWith(name, ".crt")) {
      RECLAIM_ASSIGN_OR_RETURN(std::string pem, fs.ReadFile(path));
      if (!out.ca_pem.empty() && out.ca_pem.back() != '\n') out.ca_pem += '\n';
      out.ca_pem += pem;
    } else if (str::EndsWith(name, ".cert")) {
      const std::string key = name.substr(0, name.size() - 5) + ".key";
      if (!has(key)) {
        return absl::InvalidArgumentError(
            str::Cat("missing key ", key, " for client certificate ", name,
                     ". CA certificates must use the extension .crt"));
      }
      if (out.client_cert_pem.empty()) {
        RECLAIM_ASSIGN_OR_RETURN(out.client_cert_pem, fs.ReadFile(path));
        RECLAIM_ASSIGN_OR_RETURN(out.client_key_pem, fs.ReadFile(str::Cat(dir, "/", key)));
      }
    } else if (str::EndsWith(name, ".key")) {
      const std::string cert = name.substr(0, name.size() - 4) + ".cert";
      if (!has(cert)) {
        return absl::InvalidArgumentError(
            str::Cat("missing client certificate ", cert, " for key ", name));
      }
    }
  }
  return out;
}

}  // namespace reclaim
