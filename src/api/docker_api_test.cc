// File: api/docker_api_test.cc
//
// Docker conventions and routes, over a real server (temporary unix socket and
// ephemeral loopback port) with a FakeBackend.
#include "api/docker_api.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "api/testing/fake_backend.h"
#include "api/testing/http_client.h"
#include "gtest/gtest.h"

namespace reclaim {
namespace {

using api_testing::FakeBackend;
using api_testing::TestClient;
using api_testing::TestResponse;

constexpr char kFakeId[] = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

class DockerApiTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/reclaim-docker-api-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    HttpServerOptions http;
    http.listen = {"unix://" + dir_ + "/docker.sock", "tcp://127.0.0.1:0"};
    http.access_log = false;
    DockerApiOptions docker;
    docker.server_version = "9.8.7";
    absl::StatusOr<std::unique_ptr<ApiServer>> s = ApiServer::Start(fake_.backend(), http, docker);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    absl::StatusOr<std::unique_ptr<TestClient>> c =
        TestClient::Connect(server_->addresses()[GetParam()]);
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = *std::move(c);
  }
  void TearDown() override {
    client_.reset();
    if (server_) server_->Shutdown(absl::Seconds(5));
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  TestResponse Do(std::string_view method, std::string_view target, std::string_view body = "",
                  const HeaderList& headers = {}) {
    absl::StatusOr<TestResponse> r = client_->Request(method, target, body, headers);
    EXPECT_TRUE(r.ok()) << method << " " << target << ": " << r.status();
    return r.ok() ? *r : TestResponse{};
  }
  std::string LastCall() {
    std::vector<std::string> calls = fake_.calls();
    return calls.empty() ? "" : calls.back();
  }
  std::unique_ptr<TestClient> NewClient() {
    return *TestClient::Connect(server_->addresses()[GetParam()]);
  }

  static void ExpectCommonHeaders(const TestResponse& r) {
    EXPECT_EQ(r.Header("Api-Version"), "1.50");
    EXPECT_EQ(r.Header("Docker-Experimental"), "false");
    EXPECT_EQ(r.Header("Ostype"), "linux");
    EXPECT_EQ(r.Header("Server"), "Docker/9.8.7 (linux)");
  }
  static void ExpectJsonError(const TestResponse& r, int status, const std::string& message) {
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.Header("Content-Type"), "application/json");
    EXPECT_EQ(r.body, "{\"message\":\"" + message + "\"}\n");
  }

  std::string dir_;
  FakeBackend fake_;
  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<TestClient> client_;
};

INSTANTIATE_TEST_SUITE_P(Transports, DockerApiTest, ::testing::Values(0, 1),
                         [](const auto& info) { return info.param == 0 ? "Unix" : "Tcp"; });

TEST_P(DockerApiTest, PingHeadAndGet) {
  for (const char* prefix : {"", "/v1.50", "/v1.24"}) {
    TestResponse head = Do("HEAD", std::string(prefix) + "/_ping");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.body, "");
    EXPECT_EQ(head.Header("Content-Length"), "0");
    EXPECT_EQ(head.Header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(head.Header("Swarm"), "inactive");
    EXPECT_EQ(head.Header("Cache-Control"), "no-cache, no-store, must-revalidate");
    EXPECT_EQ(head.Header("Pragma"), "no-cache");
    ExpectCommonHeaders(head);

    TestResponse get = Do("GET", std::string(prefix) + "/_ping");
    EXPECT_EQ(get.status, 200);
    EXPECT_EQ(get.body, "OK");
    EXPECT_EQ(get.Header("Swarm"), "inactive");
    ExpectCommonHeaders(get);
  }
}

TEST_P(DockerApiTest, CommonHeadersOnEveryResponse) {
  fake_.FailNext("InspectImage", absl::NotFoundError("No such image: x:latest"));
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"GET", "/version"},           {"GET", "/v1.50/info"},
      {"GET", "/v1.50/nope"},        {"GET", "/v1.99/version"},
      {"GET", "/v1.12/version"},     {"GET", "/v1.50/images/x/json"},
      {"POST", "/v1.50/images/a/tag?repo=b"}, {"DELETE", "/v1.50/containers/x"},
      {"GET", "/v1.50/images/get?names=x"},   {"POST", "/v1.50/images/load"},
  };
  for (const auto& [method, target] : requests) {
    TestResponse r = Do(method, target);
    SCOPED_TRACE(method + " " + target);
    ExpectCommonHeaders(r);
  }
}

TEST_P(DockerApiTest, KeepAliveLikeTheCli) {
  // docker rmi a b c: HEAD /_ping then one DELETE per argument on one connection.
  EXPECT_EQ(Do("HEAD", "/_ping").status, 200);
  for (const char* name : {"a", "b:1", "sha256:abcd"}) {
    TestResponse r = Do("DELETE", std::string("/v1.50/images/") + name);
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.keep_alive);
    EXPECT_EQ(LastCall(), std::string("RemoveImage ") + name);
  }
  EXPECT_EQ(server_->http().connection_count(), 1);
}

TEST_P(DockerApiTest, ConcurrentConnectionsLikeDockerRm) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto c = TestClient::Connect(server_->addresses()[GetParam()]);
      if (!c.ok()) return;
      for (int j = 0; j < 5; ++j) {
        auto r = (*c)->Request("DELETE", "/v1.50/containers/c" + std::to_string(i) + "?force=1");
        if (r.ok() && r->status == 204) ok.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 40);
}

TEST_P(DockerApiTest, VersionPrefixesAndErrors) {
  struct Case {
    const char* target;
    int status;
    const char* content_type;
    const char* body;  // exact; nullptr: the backend's answer
    const char* seen_version;
  };
  const Case cases[] = {
      {"/version", 200, "application/json", nullptr, "1.50"},
      {"/v1.50/version", 200, "application/json", nullptr, "1.50"},
      {"/v1.41/version", 200, "application/json", nullptr, "1.41"},
      {"/v1.24/version", 200, "application/json", nullptr, "1.24"},
      {"/v1.23/version", 400, "text/plain; charset=utf-8",
       "client version 1.23 is too old. Minimum supported API version is 1.24, please upgrade "
       "your client to a newer version\n",
       nullptr},
      {"/v1.5/version", 400, "text/plain; charset=utf-8",
       "client version 1.5 is too old. Minimum supported API version is 1.24, please upgrade "
       "your client to a newer version\n",
       nullptr},
      {"/v1.51/version", 400, "application/json",
       "{\"message\":\"client version 1.51 is too new. Maximum supported API version is 1.50\"}\n",
       nullptr},
      {"/v2/version", 400, "application/json",
       "{\"message\":\"client version 2 is too new. Maximum supported API version is 1.50\"}\n",
       nullptr},
      {"/vx.y/version", 404, "application/json", "{\"message\":\"page not found\"}\n", nullptr},
      {"/v1.50", 404, "application/json", "{\"message\":\"page not found\"}\n", nullptr},
      {"/v1.12/nope", 404, "application/json", "{\"message\":\"page not found\"}\n", nullptr},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.target);
    size_t before = fake_.calls().size();
    TestResponse r = Do("GET", c.target);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.Header("Content-Type"), c.content_type);
    if (c.body != nullptr) {
      EXPECT_EQ(r.body, c.body);
      EXPECT_EQ(fake_.calls().size(), before);  // the backend is not called
    } else {
      EXPECT_EQ(LastCall(), std::string("Version ") + c.seen_version);
      EXPECT_NE(r.body.find("\"ApiVersion\":\"1.50\""), std::string::npos);
      EXPECT_EQ(r.body.back(), '\n');
    }
  }
}

TEST_P(DockerApiTest, UnknownRoutesAndMethodsArePageNotFound) {
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1.50/nope"},
           {"PUT", "/v1.50/images/json"},
           {"HEAD", "/version"},
           {"POST", "/v1.50/images/json"},
           {"GET", "/v1.50/containers/x/json/extra/stuff/bogus"},
           {"DELETE", "/_ping"}}) {
    SCOPED_TRACE(method + " " + target);
    TestResponse r = Do(method, target);
    EXPECT_EQ(r.status, 404);
    if (method != "HEAD") ExpectJsonError(r, 404, "page not found");
  }
}

TEST_P(DockerApiTest, BackendErrorsAreJsonWithTheMappedStatus) {
  struct Case {
    absl::Status status;
    int http;
  };
  const Case cases[] = {
      {absl::NotFoundError("No such image: x:latest"), 404},
      {absl::InvalidArgumentError("invalid filter 'foo'"), 400},
      {absl::FailedPreconditionError("conflict: unable to delete aaaaaaaaaaaa (must be forced)"),
       409},
      {absl::AbortedError("a prune operation is already running"), 409},
      {absl::UnimplementedError("not here"), 501},
      {absl::InternalError("disk on fire <&>"), 500},
  };
  for (const Case& c : cases) {
    fake_.FailNext("InspectImage", c.status);
    TestResponse r = Do("GET", "/v1.50/images/x/json");
    SCOPED_TRACE(c.status.ToString());
    ExpectJsonError(r, c.http, std::string(c.status.message()));
  }
}

TEST_P(DockerApiTest, ImageNamesInPathsAreUnescapedAndGreedy) {
  struct Case {
    const char* method;
    const char* target;
    const char* call;
    int status;
  };
  const Case cases[] = {
      {"GET", "/v1.50/images/localhost:5000/a/b:c/json", "InspectImage localhost:5000/a/b:c", 200},
      {"GET", "/v1.50/images/x@sha256:0123/json", "InspectImage x@sha256:0123", 200},
      {"GET", "/v1.50/images/a%2Fb%3Ac/json", "InspectImage a/b:c", 200},
      {"GET", "/v1.50/images/a/json/json", "InspectImage a/json", 200},
      {"GET", "/v1.50/images/alpine/history", "ImageHistory alpine", 200},
      {"GET", "/images/sha256:abc/history", "ImageHistory sha256:abc", 200},
      {"DELETE", "/v1.50/images/localhost:5000/a/b:c?noprune=1",
       "RemoveImage localhost:5000/a/b:c noprune", 200},
      {"DELETE", "/v1.50/images/x@sha256:0123", "RemoveImage x@sha256:0123", 200},
      {"POST", "/v1.50/images/a/b:1/tag?repo=docker.io%2Flibrary%2Fb&tag=c",
       "TagImage a/b:1 docker.io/library/b c", 201},
      {"POST", "/v1.50/images/sha256:ff/tag?tag=v1&repo=myrepo%2Fx&force=0",
       "TagImage sha256:ff myrepo/x v1", 201},
      {"GET", "/v1.50/images/x/y:1/get", "SaveImages x/y:1", 200},
      {"GET", "/v1.50/images/get?names=x&names=y%3A1", "SaveImages x,y:1", 200},
      {"GET", "/v1.50/containers/abc/json?size=1", "InspectContainer abc size", 200},
      {"DELETE", "/v1.50/containers/foo?v=False&link=False&force=True", "RemoveContainer foo force",
       204},
      {"DELETE", "/v1.50/containers/foo?force=1&v=1", "RemoveContainer foo force v", 204},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.method) + " " + c.target);
    TestResponse r = Do(c.method, c.target);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(LastCall(), c.call);
  }
}

TEST_P(DockerApiTest, TagAnswers201WithoutBodyAndDeleteContainer204) {
  TestResponse tag = Do("POST", "/v1.50/images/a/tag?repo=b&tag=c", "", {{"Content-Length", "0"}});
  EXPECT_EQ(tag.status, 201);
  EXPECT_EQ(tag.body, "");
  EXPECT_EQ(tag.Header("Content-Length"), "0");
  TestResponse rm = Do("DELETE", "/v1.50/containers/x");
  EXPECT_EQ(rm.status, 204);
  EXPECT_EQ(rm.body, "");
  EXPECT_TRUE(rm.keep_alive);
  EXPECT_EQ(Do("GET", "/_ping").body, "OK");  // the connection is still in sync
}

TEST_P(DockerApiTest, DeleteWithBlankNameIs400) {
  ExpectJsonError(Do("DELETE", "/v1.50/images/%20"), 400, "image name cannot be blank");
}

TEST_P(DockerApiTest, BooleanQueryParameters) {
  struct Case {
    const char* value;
    bool want;
  };
  const Case cases[] = {
      {"1", true},     {"true", true},  {"True", true},  {"TRUE", true},   {"yes", true},
      {"2", true},     {"%201%20", true},
      {"0", false},    {"false", false}, {"False", false}, {"no", false},   {"none", false},
      {"NONE", false}, {"", false},     {"+0+", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value);
    Do("DELETE", std::string("/v1.50/images/x?force=") + c.value);
    EXPECT_EQ(LastCall(), std::string("RemoveImage x") + (c.want ? " force" : ""));
  }
  Do("DELETE", "/v1.50/images/x");
  EXPECT_EQ(LastCall(), "RemoveImage x");
  // quiet on load defaults to true.
  Do("POST", "/v1.50/images/load", "tar");
  EXPECT_EQ(LastCall(), "LoadImages quiet");
  Do("POST", "/v1.50/images/load?quiet=False", "tar");
  EXPECT_EQ(LastCall(), "LoadImages progress");
  Do("POST", "/v1.50/images/load?quiet=1", "tar");
  EXPECT_EQ(LastCall(), "LoadImages quiet");
}

TEST_P(DockerApiTest, FiltersInBothEncodings) {
  const std::string want = R"(ListImages {"dangling":{"true":true},"label":{"a=b":true,"c":true}})";
  // Go CLI: map of maps.
  Do("GET",
     "/v1.50/images/json?all=1&filters=%7B%22dangling%22%3A%7B%22true%22%3Atrue%7D%2C%22label%22"
     "%3A%7B%22a%3Db%22%3Atrue%2C%22c%22%3Atrue%7D%7D");
  EXPECT_EQ(LastCall(), want);
  // docker-py: map of lists, `+` for spaces.
  Do("GET",
     "/v1.50/images/json?only_ids=0&all=0&filters=%7B%22dangling%22%3A+%5B%22true%22%5D%2C+"
     "%22label%22%3A+%5B%22a%3Db%22%2C+%22c%22%5D%7D");
  EXPECT_EQ(LastCall(), want);
  // Empty forms.
  Do("POST", "/v1.50/build/prune?filters=");
  EXPECT_EQ(Do("GET", "/v1.50/images/json?filters=%7B%7D").status, 200);
  EXPECT_EQ(LastCall(), "ListImages");
  // Bad JSON is 400 `invalid filter`, before the backend.
  size_t before = fake_.calls().size();
  ExpectJsonError(Do("POST", "/v1.50/images/prune?filters=%7Bnope"), 400, "invalid filter");
  EXPECT_EQ(fake_.calls().size(), before);
  // Prune with our dryrun extension.
  TestResponse r = Do("POST", "/v1.50/images/prune?dryrun=1&filters=%7B%22until%22%3A%5B%2224h%22%5D%7D");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(LastCall(), R"(PruneImages {"until":{"24h":true}} dryrun)");
  // Legacy `filter` below API 1.41.
  Do("GET", "/v1.40/images/json?filter=alpine");
  EXPECT_EQ(LastCall(), R"(ListImages {"reference":{"alpine":true}})");
}

TEST_P(DockerApiTest, ChunkedLoadIsStreamedToTheBackend) {
  std::vector<std::string> chunks;
  std::string all;
  for (int i = 0; i < 40; ++i) {
    chunks.push_back(std::string(4000 + i, static_cast<char>('A' + i % 26)));
    all += chunks.back();
  }
  absl::StatusOr<TestResponse> r = client_->RequestChunked(
      "POST", "/v1.50/images/load?quiet=1", chunks, {{"Content-Type", "application/x-tar"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->chunked);
  EXPECT_EQ(r->Header("Content-Type"), "application/json");
  EXPECT_EQ(r->body, "{\"stream\":\"Loaded image: fake:" + std::to_string(all.size()) +
                         "\\n\"}\r\n{\"stream\":\"Loaded image ID: " + kFakeId + "\\n\"}\r\n");
  ASSERT_EQ(fake_.committed_bodies().size(), 1u);
  EXPECT_EQ(fake_.committed_bodies()[0], all);
  EXPECT_TRUE(r->keep_alive);
}

TEST_P(DockerApiTest, LoadWithContentLengthAndProgress) {
  TestResponse r = Do("POST", "/v1.50/images/load?quiet=0", std::string(5000, 'z'));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.chunked);
  EXPECT_NE(r.body.find("{\"status\":\"Loading\",\"progressDetail\":{\"current\":"),
            std::string::npos);
  EXPECT_NE(r.body.find("{\"stream\":\"Loaded image: fake:5000\\n\"}\r\n"), std::string::npos);
}

TEST_P(DockerApiTest, LoadFailureIsReportedInTheStream) {
  fake_.FailNext("LoadImages", absl::InvalidArgumentError("unexpected EOF"));
  TestResponse r = Do("POST", "/v1.50/images/load?quiet=1", "not a tar");
  EXPECT_EQ(r.status, 200);  // moby answers 200 and puts the error in the stream
  EXPECT_TRUE(r.chunked);
  EXPECT_EQ(r.body, "{\"errorDetail\":{\"message\":\"unexpected EOF\"},\"error\":\"unexpected EOF\"}\r\n");
  EXPECT_EQ(Do("GET", "/_ping").body, "OK");
}

TEST_P(DockerApiTest, ClientDisconnectMidUploadCommitsNothing) {
  ASSERT_TRUE(client_->SendChunkedHeader("POST", "/v1.50/images/load?quiet=1").ok());
  ASSERT_TRUE(client_->SendChunk(std::string(10000, 'x')).ok());
  // Wait until the backend is reading, then go away.
  for (int i = 0; i < 500 && fake_.calls().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  client_->Close();
  for (int i = 0; i < 1000 && fake_.read_errors() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(fake_.read_errors(), 1);
  EXPECT_EQ(fake_.last_read_error().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(fake_.committed_bodies().empty());
  // The server is fine.
  EXPECT_EQ(NewClient()->Request("GET", "/_ping")->body, "OK");
}

TEST_P(DockerApiTest, SaveStreamsATarOrAnswersAnErrorFirst) {
  std::string payload;
  for (int i = 0; i < 300000; ++i) payload.push_back(static_cast<char>(i * 7));
  fake_.SetSavePayload(payload, 7);
  TestResponse r = Do("GET", "/v1.50/images/get?names=alpine");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.chunked);
  EXPECT_EQ(r.Header("Content-Type"), "application/x-tar");
  EXPECT_EQ(r.body, payload);

  ExpectJsonError(Do("GET", "/v1.50/images/get?names=missing"), 404, "No such image: missing:latest");

  // A failure after the first byte truncates the stream.
  absl::StatusOr<TestResponse> broken = client_->Request("GET", "/v1.50/images/get?names=fail-midway");
  EXPECT_FALSE(broken.ok());
}

TEST_P(DockerApiTest, ImportAndPull) {
  TestResponse r = Do("POST", "/v1.50/images/create?fromSrc=-&repo=x&tag=1&message=m", "rootfs-tar");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.chunked);
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.body, std::string("{\"status\":\"") + kFakeId + "\"}\r\n");
  EXPECT_EQ(LastCall(), "ImportImage - x 1");
  EXPECT_EQ(fake_.committed_bodies().back(), "rootfs-tar");

  // An import error before any output is an ordinary error answer.
  fake_.FailNext("ImportImage", absl::InvalidArgumentError("not a tar archive"));
  ExpectJsonError(Do("POST", "/v1.50/images/create?fromSrc=-", "zzz"), 400, "not a tar archive");

  TestResponse pull = Do("POST", "/v1.50/images/create?fromImage=docker.io%2Flibrary%2Falpine&tag=latest",
                         "", {{"X-Registry-Auth", "e30="}});
  ExpectJsonError(pull, 501,
                  "reclaim cannot pull images yet: pulling docker.io/library/alpine:latest is not "
                  "supported; use `docker load` or `docker import`");
}

TEST_P(DockerApiTest, ContainerCreateBodies) {
  const HeaderList json = {{"Content-Type", "application/json"}};
  TestResponse ok = Do("POST", "/v1.50/containers/create?name=foo",
                       R"({"Image":"alpine","Cmd":["echo","hi"]})", json);
  EXPECT_EQ(ok.status, 201);
  EXPECT_EQ(ok.body, "{\"Id\":\"" + std::string(64, 'f') + "\",\"Warnings\":[]}\n");
  EXPECT_EQ(LastCall(), "CreateContainer foo alpine");

  TestResponse bad = Do("POST", "/v1.50/containers/create", "{\"Image\": ", json);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Header("Content-Type"), "application/json");
  EXPECT_EQ(bad.body.rfind("{\"message\":\"invalid JSON: ", 0), 0u) << bad.body;

  ExpectJsonError(Do("POST", "/v1.50/containers/create", "[1]", json), 400,
                  "invalid JSON: the body must be a JSON object");
  // Deeper than Go's 10,000 levels: refused before it is built; 10,000 parse.
  const std::string deep = "{\"Labels\":" + std::string(10000, '[') + std::string(10000, ']') + "}";
  ExpectJsonError(Do("POST", "/v1.50/containers/create", deep, json), 400,
                  "invalid JSON: exceeded max depth");
  const std::string ok_depth = "{\"X\":" + std::string(9999, '[') + std::string(9999, ']') + "}";
  EXPECT_NE(Do("POST", "/v1.50/containers/create", ok_depth, json).body,
            "{\"message\":\"invalid JSON: exceeded max depth\"}\n");
  ExpectJsonError(Do("POST", "/v1.50/containers/create", "", {{"Content-Type", "application/json"},
                                                               {"Content-Length", "0"}}),
                  400, "invalid JSON: got EOF while reading request body");
  ExpectJsonError(Do("POST", "/v1.50/containers/create", "{}", {{"Content-Type", "text/plain"}}), 400,
                  "unsupported Content-Type header (text/plain): must be 'application/json'");
  ExpectJsonError(
      Do("POST", "/v1.50/containers/create", std::string((1 << 20) + 10, ' '), json), 400,
      "request body too large (limit 1048576 bytes)");
}

// Sends `request` on a fresh connection, half-closes it (the client is done
// sending, before its Content-Length was complete) and returns every byte the
// server answers until it closes.
std::string HalfClosedExchange(const ListenAddress& a, const std::string& request) {
  int fd = -1;
  if (a.kind == ListenAddress::Kind::kUnix) {
    fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", a.path.c_str());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd);
      return "connect failed";
    }
  } else {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(a.port);
    ::inet_pton(AF_INET, a.host.c_str(), &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd);
      return "connect failed";
    }
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

TEST_P(DockerApiTest, TruncatedJsonBodiesAreUnexpectedEof) {
  const HeaderList json = {{"Content-Type", "application/json"}};
  // The whole (short) body arrived, but the JSON value is cut short: moby's
  // decoder says io.ErrUnexpectedEOF.
  const std::vector<std::string> cut = {"{\"Image\": \"x\"", "{\"Image\": \"x", "{\"Image\": tru",
                                        "{\"Image\": ", "{\"Cmd\": [\"a\",", "{\"Image\": \"x\"  "};
  for (const std::string& body : cut) {
    ExpectJsonError(Do("POST", "/v1.50/containers/create", body, json), 400,
                    "invalid JSON: unexpected EOF");
  }
  // A syntax error before the end is not an EOF.
  TestResponse bad = Do("POST", "/v1.50/containers/create", "{\"Image\" \"x\"}", json);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.find("unexpected EOF"), std::string::npos) << bad.body;
  EXPECT_EQ(bad.body.rfind("{\"message\":\"invalid JSON: ", 0), 0u) << bad.body;

  // The client stops sending before its Content-Length is complete (and
  // half-closes): 400 as moby, not a server error.
  const std::string body = "{\"Image\": \"x\"";
  const std::string request =
      "POST /v1.50/containers/create HTTP/1.1\r\nHost: reclaim\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size() + 20) + "\r\n\r\n" + body;
  const std::string answer = HalfClosedExchange(server_->addresses()[GetParam()], request);
  EXPECT_EQ(answer.rfind("HTTP/1.1 400 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("{\"message\":\"invalid JSON: unexpected EOF\"}\n"), std::string::npos)
      << answer;
  EXPECT_NE(LastCall(), "CreateContainer  x");  // the backend never saw it
}

TEST_P(DockerApiTest, ContainerListQuery) {
  Do("GET", "/v1.50/containers/json?limit=-1&all=1&size=0&trunc_cmd=0");
  EXPECT_EQ(LastCall(), "ListContainers all limit=-1 ");
  Do("GET", "/v1.50/containers/json?filters=%7B%22status%22%3A%7B%22created%22%3Atrue%7D%7D");
  EXPECT_EQ(LastCall(), R"(ListContainers limit=-1 {"status":{"created":true}})");
  ExpectJsonError(Do("GET", "/v1.50/containers/json?limit=x"), 400,
                  "strconv.Atoi: parsing \\\"x\\\": invalid syntax");
}

TEST_P(DockerApiTest, RuntimeEndpointsSayReclaimDoesNotRunContainers) {
  for (const char* action : {"start", "stop", "kill", "restart", "wait", "attach", "pause"}) {
    SCOPED_TRACE(action);
    TestResponse r = Do("POST", std::string("/v1.50/containers/web/") + action);
    ExpectJsonError(r, 501,
                    std::string("reclaim records containers but does not run them: ") + action +
                        " is not supported");
  }
  ExpectJsonError(Do("GET", "/v1.50/containers/web/logs?stdout=1"), 501,
                  "reclaim records containers but does not run them: logs is not supported");
  // A missing container is still 404.
  ExpectJsonError(Do("POST", "/v1.50/containers/missing/start"), 404, "No such container: missing");
  ExpectJsonError(Do("POST", "/v1.50/exec/abc/start"), 404, "No such exec instance: abc");
}

TEST_P(DockerApiTest, SystemPruneSteps) {
  TestResponse c = Do("POST", "/v1.50/containers/prune", "", {{"Content-Length", "0"}});
  EXPECT_EQ(c.body, "{\"ContainersDeleted\":null,\"SpaceReclaimed\":0}\n");
  TestResponse n = Do("POST", "/v1.50/networks/prune", "", {{"Content-Length", "0"}});
  EXPECT_EQ(n.status, 200);
  EXPECT_EQ(n.body, "{\"NetworksDeleted\":null}\n");
  TestResponse i = Do("POST", "/v1.50/images/prune?filters=%7B%22dangling%22%3A%7B%22true%22%3Atrue%7D%7D");
  EXPECT_EQ(i.status, 200);
  TestResponse b = Do("POST", "/v1.50/build/prune?filters=", "", {{"Content-Length", "0"}});
  EXPECT_EQ(b.body, "{\"CachesDeleted\":null,\"SpaceReclaimed\":0}\n");
  TestResponse v = Do("POST", "/v1.50/volumes/prune");
  EXPECT_EQ(v.body, "{\"VolumesDeleted\":null,\"SpaceReclaimed\":0}\n");
  ExpectJsonError(Do("POST", "/v1.50/networks/prune?filters=%7B%22foo%22%3A%5B%22x%22%5D%7D"), 400,
                  "invalid filter 'foo'");
}

TEST_P(DockerApiTest, SystemDfTypes) {
  Do("GET", "/v1.50/system/df");
  EXPECT_EQ(LastCall(), "DiskUsage civb");
  Do("GET", "/v1.50/system/df?type=image&type=container");
  EXPECT_EQ(LastCall(), "DiskUsage ci");
  Do("GET", "/v1.41/system/df?type=image");  // ignored before 1.42
  EXPECT_EQ(LastCall(), "DiskUsage civb");
  ExpectJsonError(Do("GET", "/v1.50/system/df?type=bogus"), 400, "unknown object type: bogus");
}

TEST_P(DockerApiTest, MalformedRequestsNeverCrash) {
  auto a = NewClient();
  ASSERT_TRUE(a->WriteRaw("\x01\x02\x03garbage\r\n\r\n").ok());
  EXPECT_TRUE(a->ServerClosed());

  auto b = NewClient();
  HeaderList headers;
  for (int i = 0; i < 7; ++i) headers.emplace_back("X-Big-" + std::to_string(i), std::string(10240, 'h'));
  absl::StatusOr<TestResponse> big = b->Request("GET", "/v1.50/version", "", headers);
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_EQ(big->status, 431);
  ExpectCommonHeaders(*big);

  ExpectJsonError(Do("GET", "/v1.50/images/a%zzb/json"), 400, "invalid URL escape \\\"%zz\\\"");
  ExpectJsonError(Do("GET", "/v1.50/images/json?all=%zz"), 400, "invalid URL escape \\\"%zz\\\"");
  EXPECT_EQ(Do("GET", "/_ping").body, "OK");
}

}  // namespace
}  // namespace reclaim
