#include "registry/authorizer.h"

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "platform/clock.h"

namespace reclaim {
namespace {

// Answers token requests from a table and records them.
class FakeTokenServer : public HttpTransport {
 public:
  std::function<HttpResponse(const HttpRequest&)> answer;
  std::vector<HttpRequest> seen;
  absl::StatusOr<HttpResponse> Do(const HttpRequest& r) override {
    seen.push_back(r);
    return answer(r);
  }
};

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string HeaderOf(const HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

const std::vector<Challenge> kBearer = {
    {"bearer", {{"realm", "http://auth.test/token"}, {"service", "reg"}}}};

AuthConfig User(std::string u, std::string p) {
  AuthConfig a;
  a.username = std::move(u);
  a.password = std::move(p);
  return a;
}

TEST(AuthorizerTest, NothingBeforeAChallenge) {
  FakeTokenServer server;
  FakeClock clock;
  Authorizer auth(&server, &clock, nullptr);
  absl::StatusOr<std::string> h = auth.Authorize("reg:5000", {"repository:a:pull"});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, "");
  EXPECT_TRUE(server.seen.empty());
}

TEST(AuthorizerTest, AnonymousBearerTokenIsCachedUntilExpiry) {
  FakeTokenServer server;
  int n = 0;
  server.answer = [&](const HttpRequest&) {
    return Json(200, R"({"token":"tok)" + std::to_string(++n) + R"(","expires_in":120})");
  };
  FakeClock clock(absl::FromUnixSeconds(1000));
  Authorizer auth(&server, &clock, nullptr);
  const std::vector<std::string> scopes = {"repository:a/b:pull"};
  ASSERT_TRUE(*auth.HandleChallenge("reg", kBearer, scopes, "", false));
  EXPECT_EQ(*auth.Authorize("reg", scopes), "Bearer tok1");
  EXPECT_EQ(*auth.Authorize("reg", scopes), "Bearer tok1");
  ASSERT_EQ(server.seen.size(), 1u);
  EXPECT_EQ(server.seen[0].method, "GET");
  EXPECT_EQ(server.seen[0].url,
            "http://auth.test/token?scope=repository%3Aa%2Fb%3Apull&service=reg");
  EXPECT_EQ(HeaderOf(server.seen[0], "Authorization"), "");
  // Another scope is another token; expiry refetches.
  EXPECT_EQ(*auth.Authorize("reg", {"repository:c:pull"}), "Bearer tok2");
  clock.Advance(absl::Seconds(121));
  EXPECT_EQ(*auth.Authorize("reg", scopes), "Bearer tok3");
  // Other hosts have not challenged.
  EXPECT_EQ(*auth.Authorize("other", scopes), "");
}

TEST(AuthorizerTest, PasswordGrantPostsTheForm) {
  FakeTokenServer server;
  server.answer = [](const HttpRequest&) { return Json(200, R"({"access_token":"oauth"})"); };
  FakeClock clock;
  Authorizer auth(&server, &clock, [](const std::string&) { return User("al ice", "p&w"); });
  const std::vector<std::string> scopes = {"repository:x:pull,push", "repository:y:pull"};
  ASSERT_TRUE(*auth.HandleChallenge("reg", kBearer, scopes, "", false));
  EXPECT_EQ(*auth.Authorize("reg", scopes), "Bearer oauth");
  ASSERT_EQ(server.seen.size(), 1u);
  EXPECT_EQ(server.seen[0].method, "POST");
  EXPECT_EQ(server.seen[0].url, "http://auth.test/token");
  EXPECT_EQ(HeaderOf(server.seen[0], "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(server.seen[0].body,
            "client_id=reclaim&grant_type=password&password=p%26w&scope=repository%3Ax%3Apull%"
            "2Cpush+repository%3Ay%3Apull&service=reg&username=al+ice");
}

TEST(AuthorizerTest, PostFallsBackToGetWithBasic) {
  for (int status : {404, 401, 400, 405}) {
    FakeTokenServer server;
    server.answer = [status](const HttpRequest& r) {
      if (r.method == "POST") return Json(status, "");
      return Json(200, R"({"token":"viaget"})");
    };
    FakeClock clock;
    Authorizer auth(&server, &clock, [](const std::string&) { return User("u", "p"); });
    ASSERT_TRUE(*auth.HandleChallenge("reg", kBearer, {"repository:a:pull"}, "", false));
    absl::StatusOr<std::string> h = auth.Authorize("reg", {"repository:a:pull"});
    ASSERT_TRUE(h.ok()) << status << ": " << h.status();
    EXPECT_EQ(*h, "Bearer viaget");
    ASSERT_EQ(server.seen.size(), 2u);
    EXPECT_EQ(HeaderOf(server.seen[1], "Authorization"), "Basic " + absl::Base64Escape("u:p"));
  }
  // Other failures do not fall back.
  FakeTokenServer server;
  server.answer = [](const HttpRequest&) { return Json(500, ""); };
  FakeClock clock;
  Authorizer auth(&server, &clock, [](const std::string&) { return User("u", "p"); });
  ASSERT_TRUE(*auth.HandleChallenge("reg", kBearer, {}, "", false));
  absl::StatusOr<std::string> h = auth.Authorize("reg", {});
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().message(),
            "failed to fetch oauth token: unexpected status from POST request to "
            "http://auth.test/token: 500 Internal Server Error");
  EXPECT_EQ(server.seen.size(), 1u);
}

TEST(AuthorizerTest, IdentityAndRegistryTokens) {
  FakeTokenServer server;
  server.answer = [](const HttpRequest&) { return Json(200, R"({"token":"fromrefresh"})"); };
  FakeClock clock;
  AuthConfig refresh;
  refresh.identity_token = "rt";
  Authorizer a1(&server, &clock, [&](const std::string&) { return refresh; });
  ASSERT_TRUE(*a1.HandleChallenge("reg", kBearer, {}, "", false));
  EXPECT_EQ(*a1.Authorize("reg", {}), "Bearer fromrefresh");
  EXPECT_EQ(server.seen[0].body,
            "client_id=reclaim&grant_type=refresh_token&refresh_token=rt&service=reg");

  AuthConfig direct;
  direct.registry_token = "given";
  Authorizer a2(&server, &clock, [&](const std::string&) { return direct; });
  ASSERT_TRUE(*a2.HandleChallenge("reg", kBearer, {}, "", false));
  EXPECT_EQ(*a2.Authorize("reg", {}), "Bearer given");
  EXPECT_EQ(server.seen.size(), 1u);
}

TEST(AuthorizerTest, BasicChallenge) {
  FakeTokenServer server;
  FakeClock clock;
  const std::vector<Challenge> basic = {{"basic", {{"realm", "basic-realm"}}}};
  Authorizer anonymous(&server, &clock, nullptr);
  EXPECT_FALSE(*anonymous.HandleChallenge("reg", basic, {}, "", false)) << "no credentials";

  Authorizer auth(&server, &clock, [](const std::string&) { return User("u", "pw"); });
  ASSERT_TRUE(*auth.HandleChallenge("reg", basic, {}, "", false));
  const std::string h = *auth.Authorize("reg", {"repository:a:pull"});
  EXPECT_EQ(h, "Basic " + absl::Base64Escape("u:pw"));
  EXPECT_FALSE(*auth.HandleChallenge("reg", basic, {}, h, true)) << "refused credentials";
  EXPECT_TRUE(server.seen.empty());
}

TEST(AuthorizerTest, RepeatedChallengeWithErrorFails) {
  FakeTokenServer server;
  server.answer = [](const HttpRequest&) { return Json(200, R"({"token":"t"})"); };
  FakeClock clock;
  Authorizer auth(&server, &clock, nullptr);
  std::vector<Challenge> c = kBearer;
  c[0].params["error"] = "insufficient_scope";
  ASSERT_TRUE(*auth.HandleChallenge("reg", c, {}, "", false)) << "first time: fetch a token";
  absl::StatusOr<bool> again = auth.HandleChallenge("reg", c, {}, "Bearer t", true);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(again.status().message(), "server message: insufficient_scope: authorization failed");
  c[0].params["error"] = "invalid_token";
  EXPECT_EQ(auth.HandleChallenge("reg", c, {}, "Bearer t", true).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(AuthorizerTest, RefusedTokenIsDropped) {
  FakeTokenServer server;
  int n = 0;
  server.answer = [&](const HttpRequest&) {
    return Json(200, R"({"token":"t)" + std::to_string(++n) + R"("})");
  };
  FakeClock clock;
  Authorizer auth(&server, &clock, nullptr);
  ASSERT_TRUE(*auth.HandleChallenge("reg", kBearer, {"s"}, "", false));
  EXPECT_EQ(*auth.Authorize("reg", {"s"}), "Bearer t1");
  ASSERT_TRUE(*auth.HandleChallenge("reg", kBearer, {"s"}, "Bearer t1", false));
  EXPECT_EQ(*auth.Authorize("reg", {"s"}), "Bearer t2");
}

TEST(AuthorizerTest, Scopes) {
  EXPECT_EQ(RepositoryScope("library/alpine", false), "repository:library/alpine:pull");
  EXPECT_EQ(RepositoryScope("a", true), "repository:a:pull,push");
  EXPECT_EQ(JoinScopes({"b", "a", "b", ""}), "a b");
}

}  // namespace
}  // namespace reclaim
