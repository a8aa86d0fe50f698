// Unit tests of RegistryClient and RegistryPusher against a small loopback
// HTTP server that plays a registry, including registries that misbehave.
// (The real registry is exercised by registry_integration_test.cc.)
#include "registry/client.h"

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/digest.h"
#include "core/reference.h"
#include "gtest/gtest.h"
#include "platform/clock.h"
#include "platform/mem_fs.h"
#include "registry/push.h"
#include "registry/str.h"
#include "registry/testing/http_test_server.h"
#include "registry/testing/memory_sink.h"

namespace reclaim {
namespace {

constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
constexpr char kOciIndex[] = "application/vnd.oci.image.index.v1+json";

// Lets only loopback requests through, so that no test can reach a real host
// (docker.io's upstream in the mirror tests).
class LoopbackOnly final : public HttpTransport {
 public:
  LoopbackOnly() : inner_(std::move(NewCurlTransport()).value()) {}
  absl::StatusOr<HttpResponse> Do(const HttpRequest& r) override {
    if (!str::StartsWith(r.url, "http://127.0.0.1:") &&
        !str::StartsWith(r.url, "https://127.0.0.1:")) {
      ++blocked;
      return absl::UnavailableError("blocked non-loopback request to " + r.url);
    }
    return inner_->Do(r);
  }
  std::atomic<int> blocked{0};

 private:
  std::unique_ptr<HttpTransport> inner_;
};

// A registry in memory: manifests by tag or digest, blobs by digest.
struct FakeRegistry {
  struct Object {
    std::string media_type;
    std::string bytes;
  };
  std::mutex mu;
  std::map<std::string, Object> manifests;   // "<name>:<tag|digest>"
  std::map<std::string, std::string> blobs;  // digest -> bytes
  // Misbehaviours.
  bool head_without_digest = false;
  bool head_405 = false;
  std::string lie_blob;           // served instead of any blob
  bool ignore_range = false;      // 200 without Content-Range
  std::string bad_content_range;  // sent with 206
  int break_blob_after = -1;      // bytes before a broken transfer (once)
  std::vector<std::string> tags;  // for tags/list; paginated by 2

  TestResponse Handle(const TestRequest& r) {
    std::lock_guard<std::mutex> lock(mu);
    const std::string path = r.Path();
    if (!str::StartsWith(path, "/v2/")) return {404, {}, ""};
    const std::string rest = path.substr(4);
    if (str::EndsWith(rest, "/tags/list")) return Tags(r, rest.substr(0, rest.size() - 10));
    size_t at = rest.rfind("/manifests/");
    if (at != std::string::npos) {
      if (r.method == "HEAD" && head_405) return {405, {}, ""};
      auto it = manifests.find(rest.substr(0, at) + ":" + rest.substr(at + 11));
      if (it == manifests.end()) {
        return {404,
                {{"Content-Type", "application/json"}},
                R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})"};
      }
      TestResponse resp{200, {{"Content-Type", it->second.media_type}}, it->second.bytes};
      if (!head_without_digest) {
        resp.headers.emplace_back("Docker-Content-Digest",
                                  Digest::Sha256Of(it->second.bytes).str());
      }
      return resp;
    }
    at = rest.rfind("/blobs/");
    if (at != std::string::npos) {
      const std::string digest = rest.substr(at + 7);
      auto it = blobs.find(digest);
      if (it == blobs.end())
        return {404,
                {},
                R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]})"};
      std::string body = lie_blob.empty() ? it->second : lie_blob;
      if (break_blob_after >= 0) {
        TestResponse broken{200,
                            {{"Content-Length", std::to_string(body.size())}},
                            body.substr(0, break_blob_after),
                            true};
        break_blob_after = -1;
        return broken;
      }
      const std::string range = r.Header("range");
      if (!range.empty() && !ignore_range) {
        const size_t from = std::stoul(range.substr(6));
        std::string cr = bad_content_range.empty()
                             ? str::Cat("bytes ", from, "-", body.size() - 1, "/", body.size())
                             : bad_content_range;
        return {206, {{"Content-Range", cr}}, body.substr(std::min(from, body.size()))};
      }
      return {200, {}, body};
    }
    return {404, {}, ""};
  }

  TestResponse Tags(const TestRequest& r, const std::string& name) {
    const std::string last = r.Query("last");
    std::vector<std::string> page;
    bool more = false;
    for (const std::string& t : tags) {
      if (!last.empty() && t <= last) continue;
      if (page.size() == 2) {
        more = true;
        break;
      }
      page.push_back(t);
    }
    std::string body = R"({"name":")" + name + R"(","tags":[)";
    for (size_t i = 0; i < page.size(); ++i) body += (i ? ",\"" : "\"") + page[i] + "\"";
    body += "]}";
    TestResponse resp{200, {{"Content-Type", "application/json"}}, body};
    if (more) {
      resp.headers.emplace_back(
          "Link", "</v2/" + name + "/tags/list?n=2&last=" + page.back() + ">; rel=\"next\"");
    }
    return resp;
  }

  void PutManifest(const std::string& name, const std::string& tag, const std::string& media_type,
                   const std::string& bytes) {
    std::lock_guard<std::mutex> lock(mu);
    manifests[name + ":" + tag] = {media_type, bytes};
    manifests[name + ":" + Digest::Sha256Of(bytes).str()] = {media_type, bytes};
  }
  Descriptor PutBlob(const std::string& bytes) {
    std::lock_guard<std::mutex> lock(mu);
    blobs[Digest::Sha256Of(bytes).str()] = bytes;
    Descriptor d;
    d.media_type = "application/vnd.oci.image.layer.v1.tar";
    d.digest = Digest::Sha256Of(bytes);
    d.size = static_cast<int64_t>(bytes.size());
    return d;
  }
};

class ClientTest : public ::testing::Test {
 protected:
  ClientTest()
      : server_([this](const TestRequest& r) { return registry_.Handle(r); }),
        transport_(std::make_shared<LoopbackOnly>()) {}

  std::unique_ptr<RegistryClient> NewClient(RegistryClientOptions options = {}) {
    options.transport = transport_;
    options.fs = &fs_;
    options.certs_dir = "/certs.d";
    options.clock = &clock_;
    absl::StatusOr<std::unique_ptr<RegistryClient>> c = RegistryClient::Create(std::move(options));
    EXPECT_TRUE(c.ok()) << c.status();
    return *std::move(c);
  }
  Reference Ref(const std::string& s) { return *ParseNormalizedNamed(server_.host() + "/" + s); }

  FakeRegistry registry_;
  HttpTestServer server_;
  std::shared_ptr<LoopbackOnly> transport_;
  MemFs fs_;
  FakeClock clock_{absl::FromUnixSeconds(1700000000)};
};

const std::string kManifest =
    R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]})";

TEST_F(ClientTest, ResolvesByTagAndDigestOverPlainHttpFallback) {
  registry_.PutManifest("app", "1", kOciManifest, kManifest);
  std::unique_ptr<RegistryClient> client = NewClient();
  absl::StatusOr<Descriptor> d = client->Resolve(Ref("app:1"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->media_type, kOciManifest);
  EXPECT_EQ(d->digest, Digest::Sha256Of(kManifest));
  EXPECT_EQ(d->size, static_cast<int64_t>(kManifest.size()));
  std::vector<TestRequest> seen = server_.requests();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().method, "HEAD");
  EXPECT_TRUE(str::StartsWith(seen.back().Header("accept"),
                              "application/vnd.docker.distribution.manifest.v2+json, "));

  absl::StatusOr<Descriptor> by_digest = client->Resolve(Ref("app@" + d->digest.str()));
  ASSERT_TRUE(by_digest.ok()) << by_digest.status();
  EXPECT_EQ(*by_digest, *d);

  absl::StatusOr<std::string> bytes = client->FetchManifest(Ref("app"), *d);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, kManifest);
}

TEST_F(ClientTest, ResolveWithoutDigestHeaderOr405HashesTheBody) {
  registry_.PutManifest("app", "1", kOciManifest, kManifest);
  std::unique_ptr<RegistryClient> client = NewClient();
  for (int mode = 0; mode < 2; ++mode) {
    registry_.head_without_digest = mode == 0;
    registry_.head_405 = mode == 1;
    absl::StatusOr<Descriptor> d = client->Resolve(Ref("app:1"));
    ASSERT_TRUE(d.ok()) << mode << ": " << d.status();
    EXPECT_EQ(d->digest, Digest::Sha256Of(kManifest)) << mode;
    EXPECT_EQ(d->media_type, kOciManifest);
    EXPECT_EQ(server_.requests().back().method, "GET") << mode;
  }
}

TEST_F(ClientTest, ResolveErrors) {
  registry_.PutManifest("old", "1", "application/vnd.docker.distribution.manifest.v1+prettyjws",
                        "{}");
  registry_.PutManifest("text", "1", "text/plain", "{}");
  registry_.PutManifest("huge", "1", kOciManifest, std::string(kMaxManifestSize + 1, ' '));
  std::unique_ptr<RegistryClient> client = NewClient();

  absl::StatusOr<Descriptor> missing = client->Resolve(Ref("app:nope"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), server_.host() + "/app:nope: not found");

  for (const char* name : {"old:1", "text:1"}) {
    absl::StatusOr<Descriptor> old = client->Resolve(Ref(name));
    EXPECT_EQ(old.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(old.status().message(),
              "Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has "
              "been removed. Suggest the author of " +
                  server_.host() + "/" + name +
                  " to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2. "
                  "More information at https://docs.docker.com/go/deprecated-image-specs/");
  }
  absl::StatusOr<Descriptor> huge = client->Resolve(Ref("huge:1"));
  EXPECT_EQ(huge.status().message(),
            "manifest of 4393217 bytes exceeds the limit of 4393216 bytes");

  EXPECT_EQ(client->Resolve(Ref("app")).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ClientTest, LyingRegistryIsRefusedAndNothingCommitted) {
  registry_.PutManifest("app", "1", kOciManifest, kManifest);
  Descriptor blob = registry_.PutBlob("the real layer bytes");
  std::unique_ptr<RegistryClient> client = NewClient();

  // A manifest whose bytes do not hash to the descriptor.
  Descriptor wrong = *client->Resolve(Ref("app:1"));
  wrong.digest = Digest::Sha256Of("something else");
  registry_.manifests["app:" + wrong.digest.str()] = {kOciManifest, kManifest};
  absl::StatusOr<std::string> m = client->FetchManifest(Ref("app"), wrong);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(m.status().message(), wrong.digest.str() + ": unexpected commit digest " +
                                      Digest::Sha256Of(kManifest).str() + ", expected " +
                                      wrong.digest.str());

  const struct {
    std::string served;
    std::string error;
  } lies[] = {
      {"the fake layer bytes", "unexpected commit digest " +
                                   Digest::Sha256Of("the fake layer bytes").str() + ", expected " +
                                   blob.digest.str()},
      {"short", "unexpected commit size 5, expected 20"},
      {"much longer than the descriptor says", "unexpected commit size 36, expected 20"},
  };
  for (const auto& lie : lies) {
    registry_.lie_blob = lie.served;
    MemorySink sink;
    absl::Status st = client->FetchBlob(Ref("app"), blob, sink);
    EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << lie.served;
    EXPECT_EQ(st.message(), blob.digest.str() + ": " + lie.error);
    EXPECT_FALSE(sink.committed()) << lie.served;
  }
  registry_.lie_blob.clear();
  MemorySink sink;
  ASSERT_TRUE(client->FetchBlob(Ref("app"), blob, sink).ok());
  EXPECT_TRUE(sink.committed());
  EXPECT_EQ(sink.data(), "the real layer bytes");
}

TEST_F(ClientTest, ResumesWithRange) {
  const std::string bytes = "0123456789abcdefghij";
  Descriptor blob = registry_.PutBlob(bytes);
  std::unique_ptr<RegistryClient> client = NewClient();

  MemorySink partial(bytes.substr(0, 8));
  ASSERT_TRUE(client->FetchBlob(Ref("app"), blob, partial, 8).ok());
  EXPECT_EQ(server_.requests().back().Header("range"), "bytes=8-");
  EXPECT_EQ(partial.data(), bytes);
  EXPECT_TRUE(partial.committed());
  EXPECT_EQ(partial.replays(), 1);

  registry_.ignore_range = true;  // 200 without Content-Range: discard the first 8 bytes
  MemorySink again(bytes.substr(0, 8));
  ASSERT_TRUE(client->FetchBlob(Ref("app"), blob, again, 8).ok());
  EXPECT_EQ(again.data(), bytes);
  EXPECT_TRUE(again.committed());
  EXPECT_EQ(again.replays(), 0);

  // A wrong prefix in the sink is caught by the digest.
  registry_.ignore_range = false;
  MemorySink corrupt("XXXXXXXX");
  absl::Status st = client->FetchBlob(Ref("app"), blob, corrupt, 8);
  EXPECT_TRUE(str::Contains(std::string(st.message()), "unexpected commit digest")) << st;
  EXPECT_FALSE(corrupt.committed());

  registry_.bad_content_range = "bytes 0-19/20";
  MemorySink bad(bytes.substr(0, 8));
  st = client->FetchBlob(Ref("app"), blob, bad, 8);
  EXPECT_EQ(st.message(), blob.digest.str() + ": unhandled content range in response");
  EXPECT_FALSE(bad.committed());
  registry_.bad_content_range.clear();

  // A broken transfer is resumed from where it stopped.
  registry_.break_blob_after = 5;
  MemorySink fresh;
  st = client->FetchBlob(Ref("app"), blob, fresh);
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(fresh.data(), bytes);
  EXPECT_EQ(server_.requests().back().Header("range"), "bytes=5-");

  // Complete already: verified from the sink, no request.
  const size_t before = server_.requests().size();
  MemorySink complete(bytes);
  ASSERT_TRUE(client->FetchBlob(Ref("app"), blob, complete, bytes.size()).ok());
  EXPECT_TRUE(complete.committed());
  EXPECT_EQ(server_.requests().size(), before);
}

TEST_F(ClientTest, FetchBlobsInParallelWithProgress) {
  std::vector<Descriptor> descs;
  for (int i = 0; i < 7; ++i) descs.push_back(registry_.PutBlob(std::string(50000 + i, 'a' + i)));
  Descriptor missing = descs[0];
  missing.digest = Digest::Sha256Of("nope");
  std::unique_ptr<RegistryClient> client = NewClient();

  std::mutex mu;
  std::map<std::string, uint64_t> progress;
  FetchBlobsOptions options;
  options.parallelism = 3;
  options.progress = [&](const Descriptor& d, uint64_t n) {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_GE(n, progress[d.digest.str()]);
    progress[d.digest.str()] = n;
  };
  absl::Status st = client->FetchBlobs(
      Ref("app"), descs,
      [&](const Descriptor& d) -> absl::StatusOr<BlobTarget> {
        for (size_t i = 0; i < descs.size(); ++i) {
          if (descs[i].digest != d.digest) continue;
          if (i == 6) return BlobTarget{};  // "already have it"
          return BlobTarget{std::make_unique<MemorySink>(), 0};
        }
        return absl::InternalError("unknown descriptor");
      },
      options);
  // Every fetched blob reported its full size (the sinks verify and commit).
  ASSERT_TRUE(st.ok()) << st;
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(progress[descs[i].digest.str()], static_cast<uint64_t>(descs[i].size)) << i;
  }
  EXPECT_EQ(progress.count(descs[6].digest.str()), 0u) << "skipped blob was fetched";

  std::vector<Descriptor> with_missing = {descs[0], missing, descs[1]};
  st = client->FetchBlobs(Ref("app"), with_missing,
                          [](const Descriptor&) -> absl::StatusOr<BlobTarget> {
                            return BlobTarget{std::make_unique<MemorySink>(), 0};
                          });
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(st.message(), "blob unknown: blob unknown to registry");
}

TEST_F(ClientTest, ListTagsFollowsLinkPages) {
  registry_.tags = {"1", "2", "3", "4", "5"};
  std::unique_ptr<RegistryClient> client = NewClient();
  absl::StatusOr<std::vector<std::string>> tags = client->ListTags(Ref("app"));
  ASSERT_TRUE(tags.ok()) << tags.status();
  EXPECT_EQ(*tags, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(server_.requests().back().Query("last"), "4");
}

TEST_F(ClientTest, SelectsThePlatformManifestFromAnIndex) {
  registry_.PutManifest("app", "amd", kOciManifest, kManifest);
  const std::string arm =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[],"annotations":{"a":"arm"}})";
  registry_.PutManifest("app", "arm", kOciManifest, arm);
  const std::string index = str::Cat(
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)",
      R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")",
      Digest::Sha256Of(arm).str(), R"(","size":)", arm.size(),
      R"(,"platform":{"architecture":"arm64","os":"linux"}},)",
      R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")",
      Digest::Sha256Of(kManifest).str(), R"(","size":)", kManifest.size(),
      R"(,"platform":{"architecture":"amd64","os":"linux"}}]})");
  registry_.PutManifest("app", "multi", kOciIndex, index);
  std::unique_ptr<RegistryClient> client = NewClient();
  Descriptor target = *client->Resolve(Ref("app:multi"));
  EXPECT_EQ(target.media_type, kOciIndex);
  absl::StatusOr<Descriptor> amd =
      client->SelectManifest(Ref("app"), target, PlatformMatcher::Only(DefaultPlatform()));
  ASSERT_TRUE(amd.ok()) << amd.status();
  EXPECT_EQ(amd->digest, Digest::Sha256Of(kManifest));
  absl::StatusOr<Descriptor> arm64 = client->SelectManifest(
      Ref("app"), target, PlatformMatcher::Only(*ParsePlatform("linux/arm64/v8")));
  ASSERT_TRUE(arm64.ok()) << arm64.status();
  EXPECT_EQ(arm64->digest, Digest::Sha256Of(arm));
  EXPECT_EQ(
      client
          ->SelectManifest(Ref("app"), target, PlatformMatcher::Only(*ParsePlatform("linux/s390x")))
          .status()
          .message(),
      "no match for platform in manifest: not found");
}

TEST_F(ClientTest, MirrorIsTriedFirstWithNamespace) {
  registry_.PutManifest("library/alpine", "3", kOciManifest, kManifest);
  RegistryClientOptions options;
  options.hosts.registry_mirrors = {server_.url() + "/"};
  std::unique_ptr<RegistryClient> client = NewClient(std::move(options));
  absl::StatusOr<Descriptor> d = client->Resolve(*ParseNormalizedNamed("alpine:3"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(server_.requests().back().target, "/v2/library/alpine/manifests/3?ns=docker.io");
  EXPECT_EQ(transport_->blocked, 0);
  // Not on the mirror: the upstream is next (blocked here, so its error is kept).
  absl::StatusOr<Descriptor> miss = client->Resolve(*ParseNormalizedNamed("alpine:4"));
  EXPECT_EQ(transport_->blocked, 1);
  EXPECT_TRUE(str::Contains(std::string(miss.status().message()), "registry-1.docker.io"))
      << miss.status();
}

TEST_F(ClientTest, BearerFlowAgainstATokenServer) {
  std::atomic<int> tokens{0};
  HttpTestServer token_server([&](const TestRequest& r) {
    ++tokens;
    EXPECT_EQ(r.Query("service"), "fake");
    return TestResponse{200,
                        {{"Content-Type", "application/json"}},
                        R"({"token":"tok-)" + r.Query("scope") + R"("})"};
  });
  // A registry that wants "Bearer tok-<scope>".
  FakeRegistry inner;
  inner.PutManifest("app", "1", kOciManifest, kManifest);
  bool deny_scope = false;
  HttpTestServer reg([&](const TestRequest& r) {
    const std::string scope = "repository:app:pull";
    const std::string challenge = "Bearer realm=\"" + token_server.url() +
                                  "/token\",service=\"fake\",scope=\"" + scope + "\"";
    if (deny_scope && !r.Header("authorization").empty()) {
      return TestResponse{
          401, {{"WWW-Authenticate", challenge + ",error=\"insufficient_scope\""}}, ""};
    }
    if (r.Header("authorization") != "Bearer tok-" + scope) {
      return TestResponse{
          401,
          {{"WWW-Authenticate", challenge}},
          R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})"};
    }
    return inner.Handle(r);
  });
  std::unique_ptr<RegistryClient> client = NewClient();
  Reference ref = *ParseNormalizedNamed(reg.host() + "/app:1");
  absl::StatusOr<Descriptor> d = client->Resolve(ref);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(tokens, 1);
  ASSERT_TRUE(client->FetchManifest(ref, *d).ok());
  EXPECT_EQ(tokens, 1) << "token reused from the cache";
  clock_.Advance(absl::Seconds(61));
  ASSERT_TRUE(client->FetchManifest(ref, *d).ok());
  EXPECT_EQ(tokens, 2) << "expired token refetched";

  deny_scope = true;
  absl::StatusOr<Descriptor> denied = client->Resolve(ref);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.status().message(), "server message: insufficient_scope: authorization failed");
}

TEST_F(ClientTest, BadCertsDirIsAnError) {
  ASSERT_TRUE(fs_.CreateDirs("/certs.d/quay.example").ok());
  ASSERT_TRUE(fs_.WriteFileAtomic("/certs.d/quay.example/client.cert", "x").ok());
  std::unique_ptr<RegistryClient> client = NewClient();
  absl::StatusOr<Descriptor> d = client->Resolve(*ParseNormalizedNamed("quay.example/a:1"));
  EXPECT_EQ(d.status().message(),
            "certs.d for quay.example: missing key client.key for client certificate client.cert. "
            "CA certificates must use the extension .crt");
  EXPECT_EQ(transport_->blocked, 0);
}

TEST_F(ClientTest, PushMonolithicAndChunked) {
  // A registry that accepts uploads (just enough of the protocol).
  std::mutex mu;
  std::map<std::string, std::string> uploads;  // id -> bytes
  std::map<std::string, std::string> stored;   // digest -> bytes
  int next_id = 0;
  HttpTestServer reg([&](const TestRequest& r) {
    std::lock_guard<std::mutex> lock(mu);
    const std::string path = r.Path();
    if (r.method == "HEAD" && str::Contains(path, "/blobs/")) {
      return TestResponse{stored.count(path.substr(path.rfind('/') + 1)) ? 200 : 404, {}, ""};
    }
    if (r.method == "POST" && str::EndsWith(path, "/blobs/uploads/")) {
      if (!r.Query("mount").empty() && stored.count(r.Query("mount"))) {
        return TestResponse{201, {}, ""};
      }
      const std::string id = std::to_string(++next_id);
      uploads[id] = "";
      return TestResponse{202, {{"Location", "/v2/app/blobs/uploads/" + id + "?_state=s"}}, ""};
    }
    if (str::Contains(path, "/blobs/uploads/")) {
      const std::string id = path.substr(path.rfind('/') + 1);
      if (r.method == "PATCH") {
        const std::string want = std::to_string(uploads[id].size()) + "-" +
                                 std::to_string(uploads[id].size() + r.body.size() - 1);
        if (r.Header("content-range") != want) return TestResponse{416, {}, ""};
        uploads[id] += r.body;
        return TestResponse{202, {{"Location", "/v2/app/blobs/uploads/" + id + "?_state=t"}}, ""};
      }
      if (r.method == "PUT") {
        uploads[id] += r.body;
        const std::string d = Digest::Sha256Of(uploads[id]).str();
        if (d != r.Query("digest")) {
          return TestResponse{
              400,
              {},
              R"({"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]})"};
        }
        stored[d] = uploads[id];
        return TestResponse{201, {{"Docker-Content-Digest", d}}, ""};
      }
    }
    if (r.method == "PUT" && str::Contains(path, "/manifests/")) {
      if (r.Header("content-type") != kOciManifest) return TestResponse{400, {}, ""};
      return TestResponse{201, {{"Docker-Content-Digest", Digest::Sha256Of(r.body).str()}}, ""};
    }
    return TestResponse{404, {}, ""};
  });
  std::unique_ptr<RegistryClient> client = NewClient();
  RegistryPusher pusher(*client, *ParseNormalizedNamed(reg.host() + "/app"));

  const std::string a = "monolithic blob";
  Descriptor da = FakeRegistry().PutBlob(a);
  EXPECT_FALSE(*pusher.BlobExists(da.digest));
  StringBlobSource sa(a);
  ASSERT_TRUE(pusher.PushBlob(da, sa).ok());
  EXPECT_TRUE(*pusher.BlobExists(da.digest));
  EXPECT_EQ(stored[da.digest.str()], a);

  const std::string b(2500, 'b');
  Descriptor db = FakeRegistry().PutBlob(b);
  StringBlobSource sb(b);
  uint64_t last = 0;
  PushBlobOptions chunked;
  chunked.chunk_size = 1000;
  chunked.progress = [&](uint64_t n) { last = n; };
  absl::Status st = pusher.PushBlob(db, sb, chunked);
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(stored[db.digest.str()], b);
  EXPECT_EQ(last, 2500u);

  absl::StatusOr<MountResult> mounted = pusher.Mount(da.digest, "other");
  ASSERT_TRUE(mounted.ok()) << mounted.status();
  EXPECT_TRUE(mounted->mounted);
  Descriptor dc = FakeRegistry().PutBlob("fresh");
  absl::StatusOr<MountResult> opened = pusher.Mount(dc.digest, "other");
  ASSERT_TRUE(opened.ok());
  EXPECT_FALSE(opened->mounted);
  EXPECT_TRUE(str::StartsWith(opened->upload_url, reg.url() + "/v2/app/blobs/uploads/"))
      << opened->upload_url;
  StringBlobSource sc("fresh");
  PushBlobOptions into;
  into.upload_url = opened->upload_url;
  ASSERT_TRUE(pusher.PushBlob(dc, sc, into).ok());

  // A source whose bytes do not match the descriptor: the registry refuses.
  StringBlobSource wrong("frash");
  st = pusher.PushBlob(dc, wrong);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "push " + dc.digest.str() +
                              ": digest invalid: provided digest did not match uploaded content");
  StringBlobSource shorter("fre");
  st = pusher.PushBlob(dc, shorter, chunked);
  EXPECT_EQ(st.message(), "push " + dc.digest.str() + ": blob source ended after 3 of 5 bytes");

  absl::StatusOr<Digest> md = pusher.PutManifest("1", kOciManifest, kManifest);
  ASSERT_TRUE(md.ok()) << md.status();
  EXPECT_EQ(*md, Digest::Sha256Of(kManifest));
  EXPECT_EQ(pusher.PutManifest("1", "text/nope", kManifest).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ClientTest, CheckLogin) {
  HttpTestServer reg([](const TestRequest& r) {
    if (r.Header("authorization") == "Basic dTpwdw==") return TestResponse{200, {}, "{}"};
    return TestResponse{
        401,
        {{"WWW-Authenticate", "Basic realm=\"basic-realm\""}},
        R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})"};
  });
  std::unique_ptr<RegistryClient> client = NewClient();
  AuthConfig good;
  good.username = "u";
  good.password = "pw";
  absl::StatusOr<LoginResult> ok = client->CheckLogin(reg.host(), good);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->status, "Login Succeeded");
  AuthConfig bad = good;
  bad.password = "nope";
  absl::StatusOr<LoginResult> refused = client->CheckLogin(reg.host(), bad);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(refused.status().message(),
            "login attempt to http://" + reg.host() + "/v2/ failed with status: 401 Unauthorized");
}

}  // namespace
}  // namespace reclaim
