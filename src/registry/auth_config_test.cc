#include "registry/auth_config.h"

#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "platform/mem_fs.h"

namespace reclaim {
namespace {

std::string UrlB64(std::string_view json, bool pad = true) {
  std::string s = absl::Base64Escape(std::string(json));
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  if (!pad) {
    while (!s.empty() && s.back() == '=') s.pop_back();
  }
  return s;
}

TEST(AuthConfigTest, DecodesRegistryAuthHeader) {
  struct Case {
    std::string name;
    std::string header;
    AuthConfig want;
  };
  AuthConfig user;
  user.username = "u";
  user.password = "p?>";  // '?' and '>' make base64 use '-'/'_' in url form
  user.server_address = "localhost:5000";
  AuthConfig from_auth;
  from_auth.auth = absl::Base64Escape("alice:s3:cret");
  from_auth.username = "alice";
  from_auth.password = "s3:cret";
  AuthConfig token;
  token.identity_token = "refresh";
  token.registry_token = "bearer";
  const Case cases[] = {
      {"empty", "", AuthConfig{}},
      {"padded url base64",
       UrlB64(R"({"username":"u","password":"p?>","serveraddress":"localhost:5000"})"), user},
      {"unpadded accepted",
       UrlB64(R"({"username":"u","password":"p?>","serveraddress":"localhost:5000"})", false),
       user},
      {"auth field splits", UrlB64(R"({"auth":")" + from_auth.auth + R"("})"), from_auth},
      {"tokens", UrlB64(R"({"identitytoken":"refresh","registrytoken":"bearer"})"), token},
      {"case-insensitive keys",
       UrlB64(R"({"UserName":"u","PASSWORD":"p?>","serverAddress":"localhost:5000"})"), user},
      {"not base64 is ignored", "%%%", AuthConfig{}},
      {"not JSON is ignored", UrlB64("{nope"), AuthConfig{}},
      {"wrong type is ignored", UrlB64(R"({"username":5})"), AuthConfig{}},
      {"null is empty", UrlB64("null"), AuthConfig{}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DecodeRegistryAuthHeader(c.header), c.want) << c.name;
  }
}

TEST(AuthConfigTest, EncodeRoundTrips) {
  AuthConfig a;
  a.username = "u";
  a.password = "p?>~~~";
  a.server_address = "https://index.docker.io/v1/";
  const std::string h = EncodeRegistryAuthHeader(a);
  EXPECT_EQ(h.find_first_of("+/"), std::string::npos) << h;
  EXPECT_EQ(h.size() % 4, 0u) << "padded: " << h;
  EXPECT_EQ(DecodeRegistryAuthHeader(h), a);
  EXPECT_TRUE(AuthConfig{}.empty());
  EXPECT_FALSE(a.empty());
}

TEST(AuthConfigTest, ConfigKeys) {
  EXPECT_EQ(ConfigKeyForRegistry("docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(ConfigKeyForRegistry("registry-1.docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(ConfigKeyForRegistry("localhost:5000"), "localhost:5000");
  const std::pair<std::string, std::string> keys[] = {
      {"https://index.docker.io/v1/", "docker.io"}, {"index.docker.io", "docker.io"},
      {"localhost:5000", "localhost:5000"},         {"http://localhost:5000/v2/", "localhost:5000"},
      {"HTTPS://reg.example", "reg.example"},
  };
  for (const auto& [key, want] : keys) EXPECT_EQ(RegistryForConfigKey(key), want) << key;
}

TEST(AuthConfigTest, ConfigPath) {
  EXPECT_EQ(DockerConfigPath("/etc/dc", "/home/u"), "/etc/dc/config.json");
  EXPECT_EQ(DockerConfigPath("", "/home/u"), "/home/u/.docker/config.json");
}

TEST(AuthConfigTest, ReadsDockerConfig) {
  MemFs fs;
  ASSERT_TRUE(fs.CreateDirs("/h/.docker").ok());
  const std::string path = "/h/.docker/config.json";
  ASSERT_TRUE(fs.WriteFileAtomic(path, R"({
    "auths": {
      "https://index.docker.io/v1/": {"auth": ")" +
                                           absl::Base64Escape("hub:pw") + R"("},
      "http://localhost:5000/v2/": {"auth": ")" +
                                           absl::Base64Escape("loc:al") + R"("},
      "tok.example": {"identitytoken": "idt"},
      "bad.example": {"auth": "!!notbase64"}
    },
    "credsStore": "desktop"
  })")
                  .ok());
  struct Case {
    std::string domain;
    std::string user, pass, identity;
  };
  const Case cases[] = {
      {"docker.io", "hub", "pw", ""},
      {"localhost:5000", "loc", "al", ""},
      {"tok.example", "", "", "idt"},
      {"other.example", "", "", ""},
  };
  for (const Case& c : cases) {
    absl::StatusOr<AuthConfig> a = LoadDockerConfigAuth(fs, path, c.domain);
    ASSERT_TRUE(a.ok()) << c.domain << ": " << a.status();
    EXPECT_EQ(a->username, c.user) << c.domain;
    EXPECT_EQ(a->password, c.pass) << c.domain;
    EXPECT_EQ(a->identity_token, c.identity) << c.domain;
  }
  absl::StatusOr<AuthConfig> bad = LoadDockerConfigAuth(fs, path, "bad.example");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), path + ": invalid auth configuration for bad.example");

  absl::StatusOr<AuthConfig> missing = LoadDockerConfigAuth(fs, "/nope/config.json", "docker.io");
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->empty());

  ASSERT_TRUE(fs.WriteFileAtomic("/h/broken.json", "{").ok());
  EXPECT_EQ(LoadDockerConfigAuth(fs, "/h/broken.json", "docker.io").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AuthConfigTest, WritesAndErasesKeepingOtherKeys) {
  MemFs fs;
  const std::string path = "/c/d/config.json";  // directory created on write
  AuthConfig creds;
  creds.username = "me";
  creds.password = "pw";
  ASSERT_TRUE(StoreDockerConfigAuth(fs, path, "docker.io", creds).ok());
  ASSERT_TRUE(fs.WriteFileAtomic(
                    path, R"({"auths":{"https://index.docker.io/v1/":{"auth":"x","email":"e@x"},
      "http://reg:5000":{"auth":"old"}},"credHelpers":{"gcr.io":"gcloud"},"psFormat":"table"})")
                  .ok());
  ASSERT_TRUE(StoreDockerConfigAuth(fs, path, "docker.io", creds).ok());
  ASSERT_TRUE(StoreDockerConfigAuth(fs, path, "reg:5000", creds).ok());
  absl::StatusOr<std::string> text = fs.ReadFile(path);
  ASSERT_TRUE(text.ok());
  nlohmann::json j = nlohmann::json::parse(*text);
  EXPECT_EQ(j["psFormat"], "table");
  EXPECT_EQ(j["credHelpers"]["gcr.io"], "gcloud");
  EXPECT_EQ(j["auths"]["https://index.docker.io/v1/"]["auth"], absl::Base64Escape("me:pw"));
  EXPECT_EQ(j["auths"]["https://index.docker.io/v1/"]["email"], "e@x");
  EXPECT_EQ(j["auths"]["reg:5000"]["auth"], absl::Base64Escape("me:pw"));
  EXPECT_FALSE(j["auths"].contains("http://reg:5000"));

  absl::StatusOr<AuthConfig> back = LoadDockerConfigAuth(fs, path, "reg:5000");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->username, "me");
  EXPECT_EQ(back->password, "pw");

  ASSERT_TRUE(EraseDockerConfigAuth(fs, path, "docker.io").ok());
  absl::Status again = EraseDockerConfigAuth(fs, path, "docker.io");
  EXPECT_EQ(again.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(again.message(), "not logged in to docker.io");
  j = nlohmann::json::parse(*fs.ReadFile(path));
  EXPECT_FALSE(j["auths"].contains("https://index.docker.io/v1/"));
  EXPECT_TRUE(j["auths"].contains("reg:5000"));
  EXPECT_EQ(j["psFormat"], "table");
}

}  // namespace
}  // namespace reclaim
