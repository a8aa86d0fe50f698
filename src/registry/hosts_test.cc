#include "registry/hosts.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

HostLookup FakeLookup() {
  return [](const std::string& host) -> std::vector<std::string> {
    if (host == "build.lan") return {"10.1.2.3"};
    if (host == "loop.lan") return {"127.0.1.1"};
    return {};
  };
}

TEST(HostsTest, InsecureRules) {
  RegistryHostsConfig config;
  config.insecure_registries = {"reg.lan:5000", "http://plain.lan", "https://tls.lan:443",
                                "10.0.0.0/8", "fd00::/8"};
  absl::StatusOr<RegistryHosts> hosts = RegistryHosts::Create(config, FakeLookup());
  ASSERT_TRUE(hosts.ok()) << hosts.status();
  const struct {
    std::string host;
    bool insecure;
  } cases[] = {
      {"localhost", true},
      {"localhost:5000", true},
      {"LOCALHOST:1", true},
      {"127.0.0.1:5000", true},
      {"127.9.9.9", true},
      {"[::1]:5000", true},
      {"::1", true},
      {"reg.lan:5000", true},
      {"reg.lan", false},
      {"reg.lan:5001", false},
      {"plain.lan", true},
      {"tls.lan:443", true},
      {"10.20.30.40:80", true},
      {"11.0.0.1", false},
      {"build.lan:5000", true},
      {"loop.lan", true},
      {"[fd12::1]:5000", true},
      {"[fe80::1]:5000", false},
      {"docker.io", false},
      {"registry-1.docker.io", false},
      {"quay.io", false},
  };
  for (const auto& c : cases) EXPECT_EQ(hosts->IsInsecure(c.host), c.insecure) << c.host;

  // docker.io stays secure even when every address is insecure.
  RegistryHostsConfig all;
  all.insecure_registries = {"0.0.0.0/0", "docker.io"};
  absl::StatusOr<RegistryHosts> h2 = RegistryHosts::Create(
      all, [](const std::string&) { return std::vector<std::string>{"1.2.3.4"}; });
  ASSERT_TRUE(h2.ok());
  EXPECT_FALSE(h2->IsInsecure("docker.io"));
  EXPECT_TRUE(h2->IsInsecure("anything.example"));
}

TEST(HostsTest, ConfigErrors) {
  const struct {
    std::vector<std::string> insecure, mirrors;
    std::string error;
  } cases[] = {
      {{"ftp://x"}, {}, "insecure registry ftp://x should not contain '://'"},
      {{"bad host!"}, {}, "insecure registry bad host! is not valid: invalid host \"bad host!\""},
      {{"h:99999"}, {}, "insecure registry h:99999 is not valid: invalid port \"99999\""},
      {{}, {"ftp://m"}, "invalid mirror: unsupported scheme \"ftp\" in \"ftp://m\""},
      {{}, {"mirror.example"}, "invalid mirror: unsupported scheme \"\" in \"mirror.example\""},
      {{},
       {"https://m/?x=1"},
       "invalid mirror: query or fragment at end of the URI \"https://m/?x=1\""},
      {{},
       {"https://u:p@m"},
       "invalid mirror: username/password not allowed in URI \"https://u:p@m\""},
  };
  for (const auto& c : cases) {
    RegistryHostsConfig config;
    config.insecure_registries = c.insecure;
    config.registry_mirrors = c.mirrors;
    absl::StatusOr<RegistryHosts> h = RegistryHosts::Create(config, FakeLookup());
    ASSERT_FALSE(h.ok()) << c.error;
    EXPECT_EQ(h.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(h.status().message(), c.error);
  }
}

TEST(HostsTest, Endpoints) {
  RegistryHostsConfig config;
  config.registry_mirrors = {"https://m1.example/", "http://127.0.0.1:5001/sub/path"};
  absl::StatusOr<RegistryHosts> hosts = RegistryHosts::Create(config, FakeLookup());
  ASSERT_TRUE(hosts.ok()) << hosts.status();

  std::vector<Endpoint> hub = hosts->EndpointsFor("docker.io", HostCapability::kPull);
  ASSERT_EQ(hub.size(), 3u);
  EXPECT_EQ(hub[0].BaseUrl(), "https://m1.example/v2");
  EXPECT_TRUE(hub[0].mirror);
  EXPECT_FALSE(hub[0].insecure);
  EXPECT_EQ(hub[1].BaseUrl(), "http://127.0.0.1:5001/sub/path/v2");
  EXPECT_TRUE(hub[1].insecure);
  EXPECT_EQ(hub[2].BaseUrl(), "https://registry-1.docker.io/v2");
  EXPECT_FALSE(hub[2].mirror);
  EXPECT_FALSE(hub[2].insecure);

  std::vector<Endpoint> push = hosts->EndpointsFor("docker.io", HostCapability::kPush);
  ASSERT_EQ(push.size(), 1u);
  EXPECT_EQ(push[0].host, "registry-1.docker.io");

  std::vector<Endpoint> local = hosts->EndpointsFor("localhost:5000", HostCapability::kPull);
  ASSERT_EQ(local.size(), 1u) << "mirrors are for docker.io only";
  EXPECT_EQ(local[0].BaseUrl(), "https://localhost:5000/v2");
  EXPECT_TRUE(local[0].insecure);
  std::vector<Endpoint> quay = hosts->EndpointsFor("quay.io", HostCapability::kPull);
  ASSERT_EQ(quay.size(), 1u);
  EXPECT_FALSE(quay[0].insecure);
}

TEST(HostsTest, HostWithoutPort) {
  EXPECT_EQ(HostWithoutPort("a:1"), "a");
  EXPECT_EQ(HostWithoutPort("a"), "a");
  EXPECT_EQ(HostWithoutPort("[::1]:5000"), "::1");
  EXPECT_EQ(HostWithoutPort("::1"), "::1");
}

}  // namespace
}  // namespace reclaim
