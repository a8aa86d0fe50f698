#include "registry/auth_config.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "core/descriptor.h"
#include "core/status.h"
#include "registry/str.h"

namespace reclaim {
namespace {

constexpr std::string_view kDockerHubKey = "https://index.docker.io/v1/";

bool IsDockerHub(std::string_view domain) {
  return domain == "docker.io" || domain == "index.docker.io" || domain == "registry-1.docker.io";
}

// Go's encoding/json matches object keys to fields case-insensitively when
// there is no exact match.
const nlohmann::json* FindField(const nlohmann::json& j, std::string_view name) {
  if (auto it = j.find(std::string(name)); it != j.end()) return &*it;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (str::EqualsIgnoreCase(it.key(), name)) return &*it;
  }
  return nullptr;
}

absl::Status StringField(const nlohmann::json& j, std::string_view name, std::string* out) {
  const nlohmann::json* v = FindField(j, name);
  if (v == nullptr || v->is_null()) return absl::OkStatus();
  if (!v->is_string()) {
    return absl::InvalidArgumentError(str::Cat("auth config: ", name, " is not a string"));
  }
  *out = v->get<std::string>();
  return absl::OkStatus();
}

// "user:pass" from base64; false when it does not decode or has no colon.
bool SplitAuth(std::string_view auth, std::string* user, std::string* pass) {
  std::string decoded;
  if (!absl::Base64Unescape(std::string(auth), &decoded)) return false;
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  *user = decoded.substr(0, colon);
  *pass = decoded.substr(colon + 1);
  return true;
}

absl::StatusOr<nlohmann::json> ReadConfigFile(Fs& fs, const std::string& path) {
  absl::StatusOr<std::string> bytes = fs.ReadFile(path);
  if (absl::IsNotFound(bytes.status())) return nlohmann::json::object();
  if (!bytes.ok()) return bytes.status();
  if (str::Trim(*bytes).empty()) return nlohmann::json::object();
  absl::StatusOr<nlohmann::json> j = ParseJson(*bytes);
  if (!j.ok()) return Annotate(j.status(), path);
  if (!j->is_object()) return absl::InvalidArgumentError(path + ": not a JSON object");
  return j;
}

absl::Status WriteConfigFile(Fs& fs, const std::string& path, const nlohmann::json& j) {
  RECLAIM_RETURN_IF_ERROR(fs.CreateDirs(DirName(path)));
  return fs.WriteFileAtomic(path, j.dump(1, '\t') + "\n");
}

// Keys of `auths` that name `domain`.
std::vector<std::string> KeysFor(const nlohmann::json& auths, std::string_view domain) {
  const std::string want = IsDockerHub(domain) ? "docker.io" : std::string(domain);
  std::vector<std::string> keys;
  for (auto it = auths.begin(); it != auths.end(); ++it) {
    if (RegistryForConfigKey(it.key()) == want) keys.push_back(it.key());
  }
  return keys;
}

}  // namespace

bool AuthConfig::empty() const {
  return username.empty() && password.empty() && auth.empty() && identity_token.empty() &&
         registry_token.empty();
}

std::string ConfigKeyForRegistry(std::string_view domain) {
  if (IsDockerHub(domain)) return std::string(kDockerHubKey);
  return std::string(domain);
}

std::string RegistryForConfigKey(std::string_view key) {
  std::string_view k = key;
  if (str::StartsWithIgnoreCase(k, "http://")) {
    k.remove_prefix(7);
  } else if (str::StartsWithIgnoreCase(k, "https://")) {
    k.remove_prefix(8);
  }
  k = k.substr(0, k.find('/'));
  if (IsDockerHub(k)) return "docker.io";
  return std::string(k);
}

std::string LoginRegistry(std::string_view server) {
  return server.empty() ? "docker.io" : RegistryForConfigKey(server);
}

absl::StatusOr<AuthConfig> AuthConfigFromJson(std::string_view json) {
  RECLAIM_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(json));
  if (j.is_null()) return AuthConfig{};
  if (!j.is_object()) return absl::InvalidArgumentError("auth config: not a JSON object");
  AuthConfig c;
  RECLAIM_RETURN_IF_ERROR(StringField(j, "username", &c.username));
  RECLAIM_RETURN_IF_ERROR(StringField(j, "password", &c.password));
  RECLAIM_RETURN_IF_ERROR(StringField(j, "auth", &c.auth));
  RECLAIM_RETURN_IF_ERROR(StringField(j, "email", &c.email));
  RECLAIM_RETURN_IF_ERROR(StringField(j, "serveraddress", &c.server_address));
  RECLAIM_RETURN_IF_ERROR(StringField(j, "identitytoken", &c.identity_token));
  RECLAIM_RETURN_IF_ERROR(StringField(j, "registrytoken", &c.registry_token));
  if (c.username.empty() && c.password.empty() && !c.auth.empty()) {
    SplitAuth(c.auth, &c.username, &c.password);
  }
  return c;
}

std::string AuthConfigToJson(const AuthConfig& c) {
  nlohmann::json j = nlohmann::json::object();
  // moby's field order and omitempty.
  if (!c.username.empty()) j["username"] = c.username;
  if (!c.password.empty()) j["password"] = c.password;
  if (!c.auth.empty()) j["auth"] = c.auth;
  if (!c.email.empty()) j["email"] = c.email;
  if (!c.server_address.empty()) j["serveraddress"] = c.server_address;
  if (!c.identity_token.empty()) j["identitytoken"] = c.identity_token;
  if (!c.registry_token.empty()) j["registrytoken"] = c.registry_token;
  return j.dump();
}

AuthConfig DecodeRegistryAuthHeader(std::string_view header) {
  if (header.empty()) return AuthConfig{};
  std::string json;
  if (!absl::WebSafeBase64Unescape(std::string(header), &json)) return AuthConfig{};
  absl::StatusOr<AuthConfig> c = AuthConfigFromJson(json);
  return c.ok() ? *c : AuthConfig{};
}

std::string EncodeRegistryAuthHeader(const AuthConfig& config) {
  std::string out = absl::Base64Escape(AuthConfigToJson(config));
  for (char& ch : out) {
    if (ch == '+') ch = '-';
    if (ch == '/') ch = '_';
  }
  return out;
}

std::string DockerConfigPath(std::string_view docker_config_env, std::string_view home) {
  if (!docker_config_env.empty()) return str::Cat(docker_config_env, "/config.json");
  return str::Cat(home, "/.docker/config.json");
}

absl::StatusOr<AuthConfig> LoadDockerConfigAuth(Fs& fs, const std::string& path,
                                                std::string_view domain) {
  RECLAIM_ASSIGN_OR_RETURN(nlohmann::json file, ReadConfigFile(fs, path));
  const nlohmann::json* auths = FindField(file, "auths");
  if (auths == nullptr || !auths->is_object()) return AuthConfig{};
  std::vector<std::string> keys = KeysFor(*auths, domain);
  if (keys.empty()) return AuthConfig{};
  // Prefer the exact key the CLI writes.
  std::string key = keys.front();
  for (const std::string& k : keys) {
    if (k == ConfigKeyForRegistry(domain)) key = k;
  }
  const nlohmann::json& entry = (*auths)[key];
  if (!entry.is_object()) {
    return absl::InvalidArgumentError(str::Cat(path, ": invalid auth configuration for ", key));
  }
  AuthConfig c;
  absl::Status st = StringField(entry, "auth", &c.auth);
  if (st.ok()) st = StringField(entry, "identitytoken", &c.identity_token);
  if (st.ok()) st = StringField(entry, "registrytoken", &c.registry_token);
  if (st.ok()) st = StringField(entry, "email", &c.email);
  if (st.ok() && !c.auth.empty() && !SplitAuth(c.auth, &c.username, &c.password)) {
    st = absl::InvalidArgumentError("bad auth");
  }
  if (!st.ok()) {
    return absl::InvalidArgumentError(str::Cat(path, ": invalid auth configuration for ", key));
  }
  c.server_address = key;
  return c;
}

absl::Status StoreDockerConfigAuth(Fs& fs, const std::string& path, std::string_view domain,
                                   const AuthConfig& config) {
  RECLAIM_ASSIGN_OR_RETURN(nlohmann::json file, ReadConfigFile(fs, path));
  nlohmann::json& auths = file["auths"];
  if (!auths.is_object()) auths = nlohmann::json::object();
  const std::string key = ConfigKeyForRegistry(domain);
  nlohmann::json entry = nlohmann::json::object();
  if (auto it = auths.find(key); it != auths.end() && it->is_object()) entry = *it;
  for (const std::string& k : KeysFor(auths, domain)) auths.erase(k);
  entry.erase("username");
  entry.erase("password");
  entry["auth"] = absl::Base64Escape(str::Cat(config.username, ":", config.password));
  if (!config.identity_token.empty()) {
    entry["identitytoken"] = config.identity_token;
  } else {
    entry.erase("identitytoken");
  }
  auths[key] = std::move(entry);
  return WriteConfigFile(fs, path, file);
}

absl::Status EraseDockerConfigAuth(Fs& fs, const std::string& path, std::string_view domain) {
  RECLAIM_ASSIGN_OR_RETURN(nlohmann::json file, ReadConfigFile(fs, path));
  auto it = file.find("auths");
  std::vector<std::string> keys;
  if (it != file.end() && it->is_object()) keys = KeysFor(*it, domain);
  if (keys.empty()) return absl::NotFoundError(str::Cat("not logged in to ", domain));
  for (const std::string& k : keys) it->erase(k);
  return WriteConfigFile(fs, path, file);
}

}  // namespace reclaim
