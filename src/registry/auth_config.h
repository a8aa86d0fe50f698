// File: registry/auth_config.h
//
// Registry credentials as Docker passes and stores them.
//
// AuthConfig is moby's api/types/registry.AuthConfig: `username`, `password`,
// `auth` (base64 of "user:pass"), `email` (deprecated), `serveraddress`,
// `identitytoken` (an OAuth refresh token) and `registrytoken` (a bearer token
// used as is). It arrives in two ways:
//
//  - the Engine API's `X-Registry-Auth` header: base64url (RFC 4648 §5, padded;
//    unpadded input is accepted too) of the JSON object. For a pull an
//    undecodable header is ignored (moby): DecodeRegistryAuthHeader returns an
//    empty AuthConfig then;
//  - the Docker CLI's config file, `$DOCKER_CONFIG/config.json` or
//    `~/.docker/config.json`: `{"auths": {"<key>": {"auth": "<base64(user:pass)>",
//    "identitytoken": "..."}}}`. The key of Docker Hub is
//    `https://index.docker.io/v1/`; any other registry is keyed by its
//    host[:port], and keys written as URLs (`https://host/v2/`) match their
//    host, as the CLI's ConvertToHostname does. Credential helpers
//    (`credsStore`, `credHelpers`) are not run.
//
//   AuthConfig a = DecodeRegistryAuthHeader(header);
//   RECLAIM_ASSIGN_OR_RETURN(AuthConfig c, LoadDockerConfigAuth(fs, path, "localhost:5000"));
//   RECLAIM_RETURN_IF_ERROR(StoreDockerConfigAuth(fs, path, "docker.io", creds));  // login
//   RECLAIM_RETURN_IF_ERROR(EraseDockerConfigAuth(fs, path, "docker.io"));         // logout
//
// Writing keeps every other key of the file (and of each entry) as it was.
//
// Thread-safety: value types and functions over an Fs (itself thread-safe);
// concurrent writers of one config file race as the Docker CLI's do.
#ifndef RECLAIM_REGISTRY_AUTH_CONFIG_H_
#define RECLAIM_REGISTRY_AUTH_CONFIG_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/fs.h"

namespace reclaim {

struct AuthConfig {
  std::string username;
  std::string password;
  std::string auth;  // base64("username:password"), as in the config file
  std::string email;
  std::string server_address;
  std::string identity_token;
  std::string registry_token;

  // True when no credential of any kind is set (server_address and email do
  // not count).
  bool empty() const;

  friend bool operator==(const AuthConfig&, const AuthConfig&) = default;
};

// The config-file key for a registry domain: `https://index.docker.io/v1/` for
// docker.io (and its aliases index.docker.io, registry-1.docker.io), else the
// domain itself.
std::string ConfigKeyForRegistry(std::string_view domain);

// A config-file key reduced to host[:port]: scheme and path removed; the
// Docker Hub key maps to "docker.io".
std::string RegistryForConfigKey(std::string_view key);

// The registry a login names (`docker login [SERVER]`, POST /auth's
// serveraddress): RegistryForConfigKey of it, docker.io when it is empty.
std::string LoginRegistry(std::string_view server);

// JSON (de)serialisation of AuthConfig with moby's field names; unknown fields
// are ignored. When `username` is empty and `auth` decodes to "user:pass",
// the decoder fills in username and password from it.
[[nodiscard]] absl::StatusOr<AuthConfig> AuthConfigFromJson(std::string_view json);
std::string AuthConfigToJson(const AuthConfig& config);

// X-Registry-Auth: decoding is lenient (empty header or any failure: an empty
// AuthConfig); encoding is padded base64url of AuthConfigToJson.
AuthConfig DecodeRegistryAuthHeader(std::string_view header);
std::string EncodeRegistryAuthHeader(const AuthConfig& config);

// The config file path: `<docker_config_env>/config.json` when that variable is
// set and non-empty, else `<home>/.docker/config.json`. Pass the environment's
// DOCKER_CONFIG and HOME values.
std::string DockerConfigPath(std::string_view docker_config_env, std::string_view home);

// Credentials for registry `domain` from the config file at `path`. A missing
// file or entry is an empty AuthConfig (not an error). InvalidArgument when the
// file is not valid JSON or an entry's `auth` is not base64 of "user:pass":
// "<path>: invalid auth configuration for <key>".
[[nodiscard]] absl::StatusOr<AuthConfig> LoadDockerConfigAuth(Fs& fs, const std::string& path,
                                                              std::string_view domain);

// Writes `config` for `domain` into the file at `path` (created with its
// directory when missing): `auth` = base64(username:password), plus
// `identitytoken` when set; other keys of the file are kept. Entries with other
// keys for the same registry (e.g. `http://host`) are replaced.
[[nodiscard]] absl::Status StoreDockerConfigAuth(Fs& fs, const std::string& path,
                                                 std::string_view domain, const AuthConfig& config);

// Removes every entry for `domain`. NotFound "not logged in to <domain>" when
// there was none (the caller may ignore it, as `docker logout` prints it).
[[nodiscard]] absl::Status EraseDockerConfigAuth(Fs& fs, const std::string& path,
                                                 std::string_view domain);

}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_AUTH_CONFIG_H_
