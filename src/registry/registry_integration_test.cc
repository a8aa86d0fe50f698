// The registry client against Debian's real docker-registry 2.8, started by
// each test on 127.0.0.1 (label `registry`): no auth, htpasswd Basic, Bearer
// via auth.silly with a token endpoint served here, TLS with a test CA and a
// client certificate in a temporary certs.d. Images are placed with skopeo
// from archives tests/e2e/mkarchive.py generates, and what the client reads is
// compared with what skopeo reports; what the client pushes is read back by
// skopeo. A missing tool fails the test.
#include <algorithm>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/descriptor.h"
#include "core/digest.h"
#include "core/media_types.h"
#include "core/reference.h"
#include "gtest/gtest.h"
#include "platform/testing/temp_dir.h"
#include "registry/client.h"
#include "registry/push.h"
#include "registry/str.h"
#include "registry/testing/http_test_server.h"
#include "registry/testing/memory_sink.h"
#include "registry/testing/registry_fixture.h"

namespace reclaim {
namespace {

AuthConfig UserPass(std::string user, std::string password) {
  AuthConfig a;
  a.username = std::move(user);
  a.password = std::move(password);
  return a;
}

class RegistryIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status tools =
        RequireTools({"docker-registry", "skopeo", "htpasswd", "openssl", "python3"});
    ASSERT_TRUE(tools.ok()) << tools;
    const char* mk = ::getenv("RECLAIM_MKARCHIVE");
    ASSERT_NE(mk, nullptr) << "RECLAIM_MKARCHIVE must name tests/e2e/mkarchive.py (ctest sets it)";
    mkarchive_ = mk;
  }

  // Writes a docker archive of one image (mkarchive.py IMAGE spec).
  std::string Archive(const std::string& name, const std::string& spec) {
    const std::string path = dir_.path() + "/" + name + ".tar";
    RunResult r = RunTool({"python3", mkarchive_, path, spec});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return path;
  }

  // skopeo copy docker-archive:<archive> docker://<host>/<dest>.
  void SkopeoPush(const std::string& archive, const std::string& host, const std::string& dest,
                  const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {"skopeo", "copy", "--dest-tls-verify=false"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("docker-archive:" + archive);
    argv.push_back("docker://" + host + "/" + dest);
    RunResult r = RunTool(argv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  RunResult Skopeo(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"skopeo"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunTool(argv);
  }

  std::unique_ptr<RegistryClient> Client(RegistryClientOptions options = {}) {
    options.certs_dir = dir_.path() + "/certs.d";
    absl::StatusOr<std::unique_ptr<RegistryClient>> c = RegistryClient::Create(std::move(options));
    EXPECT_TRUE(c.ok()) << c.status();
    return *std::move(c);
  }

  static Reference Ref(const std::string& s) {
    absl::StatusOr<Reference> r = ParseNormalizedNamed(s);
    EXPECT_TRUE(r.ok()) << s << ": " << r.status();
    return *r;
  }

  // Fetches a manifest's config and layers and checks each sink committed the
  // right bytes.
  void FetchAll(RegistryClient& client, const Reference& repo, const Manifest& m) {
    std::vector<Descriptor> blobs = {m.config};
    blobs.insert(blobs.end(), m.layers.begin(), m.layers.end());
    for (const Descriptor& d : blobs) {
      MemorySink sink;
      absl::Status st = client.FetchBlob(repo, d, sink);
      ASSERT_TRUE(st.ok()) << d.digest.str() << ": " << st;
      EXPECT_TRUE(sink.committed());
      EXPECT_EQ(Digest::Sha256Of(sink.data()), d.digest);
    }
  }

  TempDir dir_;
  std::string mkarchive_;
};

TEST_F(RegistryIntegrationTest, PullMatchesSkopeo) {
  RegistryProcess reg;
  ASSERT_TRUE(reg.Start(dir_.path(), {}).ok());
  SkopeoPush(Archive("a", "tags=x/a:1;seed=pull;layers=3;size=300000"), reg.host(), "x/app:1");
  SkopeoPush(Archive("b", "tags=x/a:2;seed=pull2"), reg.host(), "x/app:2");

  RunResult raw =
      Skopeo({"inspect", "--raw", "--tls-verify=false", "docker://" + reg.host() + "/x/app:1"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  RunResult info = Skopeo({"inspect", "--tls-verify=false", "docker://" + reg.host() + "/x/app:1"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const nlohmann::json inspected = nlohmann::json::parse(info.out);

  std::unique_ptr<RegistryClient> client = Client();
  const Reference ref = Ref(reg.host() + "/x/app:1");
  absl::StatusOr<Descriptor> d = client->Resolve(ref);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->digest, Digest::Sha256Of(raw.out));
  EXPECT_EQ(d->digest.str(), inspected["Digest"]);
  EXPECT_EQ(d->media_type, media_types::kDockerManifest);
  EXPECT_EQ(d->size, static_cast<int64_t>(raw.out.size()));

  absl::StatusOr<Descriptor> by_digest =
      client->Resolve(Ref(reg.host() + "/x/app@" + d->digest.str()));
  ASSERT_TRUE(by_digest.ok()) << by_digest.status();
  EXPECT_EQ(by_digest->digest, d->digest);

  absl::StatusOr<std::string> bytes = client->FetchManifest(ref, *d);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, raw.out);
  absl::StatusOr<Manifest> m = ParseManifest(*bytes);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->layers.size(), 3u);
  for (size_t i = 0; i < m->layers.size(); ++i) {
    EXPECT_EQ(m->layers[i].digest.str(), inspected["Layers"][i]) << i;
  }

  // The layers in parallel, with progress, into sinks that verify.
  std::mutex mu;
  std::map<std::string, uint64_t> progress;
  std::vector<std::string> committed;
  FetchBlobsOptions opts;
  opts.progress = [&](const Descriptor& desc, uint64_t n) { progress[desc.digest.str()] = n; };
  class CheckingSink : public BlobSink {
   public:
    CheckingSink(Digest want, std::mutex* mu, std::vector<std::string>* out)
        : want_(std::move(want)), mu_(mu), out_(out) {}
    absl::Status Write(std::string_view d) override {
      data_.append(d);
      return absl::OkStatus();
    }
    absl::Status Commit() override {
      if (Digest::Sha256Of(data_) != want_) return absl::DataLossError("bad bytes committed");
      std::lock_guard<std::mutex> lock(*mu_);
      out_->push_back(want_.str());
      return absl::OkStatus();
    }

   private:
    Digest want_;
    std::mutex* mu_;
    std::vector<std::string>* out_;
    std::string data_;
  };
  absl::Status st = client->FetchBlobs(
      ref, m->layers,
      [&](const Descriptor& desc) -> absl::StatusOr<BlobTarget> {
        return BlobTarget{std::make_unique<CheckingSink>(desc.digest, &mu, &committed), 0};
      },
      opts);
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(committed.size(), 3u);
  for (const Descriptor& l : m->layers)
    EXPECT_EQ(progress[l.digest.str()], static_cast<uint64_t>(l.size));
  FetchAll(*client, ref, *m);

  // Resume a layer from the middle (the registry honours Range).
  const Descriptor& big = m->layers[0];
  MemorySink whole;
  ASSERT_TRUE(client->FetchBlob(ref, big, whole).ok());
  MemorySink half(whole.data().substr(0, whole.data().size() / 2));
  ASSERT_TRUE(client->FetchBlob(ref, big, half, whole.data().size() / 2).ok());
  EXPECT_TRUE(half.committed());
  EXPECT_EQ(half.data(), whole.data());
  EXPECT_EQ(half.replays(), 1) << "a 206 answer: the prefix was re-hashed";

  // Tags, and the registry's own error for a missing tag.
  absl::StatusOr<std::vector<std::string>> tags = client->ListTags(Ref(reg.host() + "/x/app"));
  ASSERT_TRUE(tags.ok()) << tags.status();
  RunResult listed =
      Skopeo({"list-tags", "--tls-verify=false", "docker://" + reg.host() + "/x/app"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(nlohmann::json(*tags), nlohmann::json::parse(listed.out)["Tags"]);
  std::sort(tags->begin(), tags->end());
  EXPECT_EQ(*tags, (std::vector<std::string>{"1", "2"}));

  absl::StatusOr<Descriptor> missing = client->Resolve(Ref(reg.host() + "/x/app:nope"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  Descriptor absent = m->config;
  absent.digest = Digest::Sha256Of("absent");
  MemorySink none;
  absl::Status gone = client->FetchBlob(ref, absent, none);
  EXPECT_EQ(gone.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(gone.message(), "blob unknown: blob unknown to registry");
  EXPECT_FALSE(none.committed());
}

TEST_F(RegistryIntegrationTest, PushThenSkopeoPullsIt) {
  RegistryProcess reg;
  ASSERT_TRUE(reg.Start(dir_.path(), {}).ok());
  SkopeoPush(Archive("src", "tags=x/src:1;seed=push;layers=2;size=5000"), reg.host(), "x/src:1");
  std::unique_ptr<RegistryClient> client = Client();
  const Reference src = Ref(reg.host() + "/x/src:1");
  Descriptor top = *client->Resolve(src);
  const std::string manifest_bytes = *client->FetchManifest(src, top);
  Manifest m = *ParseManifest(manifest_bytes);

  // Copy the image to another repository with our pusher: the config by a
  // cross-repository mount, one layer monolithic, one chunked.
  const Reference dst = Ref(reg.host() + "/y/copy");
  RegistryPusher pusher(*client, dst);
  EXPECT_FALSE(*pusher.BlobExists(m.config.digest));
  absl::StatusOr<MountResult> mounted = pusher.Mount(m.config.digest, "x/src");
  ASSERT_TRUE(mounted.ok()) << mounted.status();
  EXPECT_TRUE(mounted->mounted);
  EXPECT_TRUE(*pusher.BlobExists(m.config.digest));
  for (size_t i = 0; i < m.layers.size(); ++i) {
    MemorySink bytes;
    ASSERT_TRUE(client->FetchBlob(src, m.layers[i], bytes).ok());
    StringBlobSource source(bytes.data());
    PushBlobOptions opts;
    if (i == 1) opts.chunk_size = 1500;
    absl::Status st = pusher.PushBlob(m.layers[i], source, opts);
    ASSERT_TRUE(st.ok()) << i << ": " << st;
    EXPECT_TRUE(*pusher.BlobExists(m.layers[i].digest));
  }
  absl::StatusOr<Digest> pushed = pusher.PutManifest("v1", top.media_type, manifest_bytes);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(*pushed, top.digest);

  RunResult raw =
      Skopeo({"inspect", "--raw", "--tls-verify=false", "docker://" + reg.host() + "/y/copy:v1"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(Digest::Sha256Of(raw.out), *pushed);
  RunResult copy =
      Skopeo({"copy", "--src-tls-verify=false", "docker://" + reg.host() + "/y/copy:v1",
              "dir:" + dir_.path() + "/pulled"});
  ASSERT_EQ(copy.exit_code, 0) << copy.err;
  for (const Descriptor& l : m.layers) {
    EXPECT_EQ(
        Digest::Sha256Of(ReadTestFile(dir_.path() + "/pulled/" + std::string(l.digest.hex()))),
        l.digest);
  }

  // A blob whose bytes do not match its digest is refused by the registry.
  Descriptor wrong = m.layers[0];
  const std::string other_bytes(static_cast<size_t>(wrong.size), 'x');
  StringBlobSource liar(other_bytes);
  absl::Status st = pusher.PushBlob(wrong, liar);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  EXPECT_TRUE(str::Contains(std::string(st.message()), "digest invalid")) << st;
}

TEST_F(RegistryIntegrationTest, MultiPlatformIndexPicksTheRightManifest) {
  RegistryProcess reg;
  ASSERT_TRUE(reg.Start(dir_.path(), {}).ok());
  SkopeoPush(Archive("amd", "tags=m/a:amd;seed=amd"), reg.host(), "m/app:amd");
  SkopeoPush(Archive("arm", "tags=m/a:arm;seed=arm"), reg.host(), "m/app:arm");
  std::unique_ptr<RegistryClient> client = Client();
  const Reference repo = Ref(reg.host() + "/m/app");
  Descriptor amd = *client->Resolve(Ref(reg.host() + "/m/app:amd"));
  Descriptor arm = *client->Resolve(Ref(reg.host() + "/m/app:arm"));
  amd.platform = Platform{"amd64", "linux", "", "", {}};
  arm.platform = Platform{"arm64", "linux", "v8", "", {}};
  Descriptor attestation = amd;
  attestation.platform = Platform{"unknown", "unknown", "", "", {}};
  nlohmann::json index = {
      {"schemaVersion", 2},
      {"mediaType", media_types::kOciIndex},
      {"manifests", {DescriptorToJson(arm), DescriptorToJson(attestation), DescriptorToJson(amd)}}};
  const std::string index_bytes = index.dump();
  RegistryPusher pusher(*client, repo);
  absl::StatusOr<Digest> pushed = pusher.PutManifest("multi", media_types::kOciIndex, index_bytes);
  ASSERT_TRUE(pushed.ok()) << pushed.status();

  RunResult raw =
      Skopeo({"inspect", "--raw", "--tls-verify=false", "docker://" + reg.host() + "/m/app:multi"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(raw.out, index_bytes);

  Descriptor target = *client->Resolve(Ref(reg.host() + "/m/app:multi"));
  EXPECT_EQ(target.media_type, media_types::kOciIndex);
  EXPECT_EQ(target.digest, *pushed);
  const struct {
    std::string platform;
    Digest want;
  } cases[] = {{"linux/amd64", amd.digest},
               {"linux/arm64/v8", arm.digest},
               {"linux/arm64", arm.digest},
               {"linux/386", Digest()}};
  for (const auto& c : cases) {
    absl::StatusOr<Descriptor> picked =
        client->SelectManifest(repo, target, PlatformMatcher::Only(*ParsePlatform(c.platform)));
    if (!c.want.valid()) {
      EXPECT_EQ(picked.status().code(), absl::StatusCode::kNotFound) << c.platform;
      continue;
    }
    ASSERT_TRUE(picked.ok()) << c.platform << ": " << picked.status();
    EXPECT_EQ(picked->digest, c.want) << c.platform;
  }
  // skopeo's own choice for arm64 agrees.
  RunResult arm_copy = Skopeo({"copy", "--override-arch", "arm64", "--override-variant", "v8",
                               "--src-tls-verify=false", "docker://" + reg.host() + "/m/app:multi",
                               "dir:" + dir_.path() + "/arm"});
  ASSERT_EQ(arm_copy.exit_code, 0) << arm_copy.err;
  EXPECT_EQ(Digest::Sha256Of(ReadTestFile(dir_.path() + "/arm/manifest.json")), arm.digest);
}

TEST_F(RegistryIntegrationTest, HtpasswdBasicAuth) {
  RunResult hash = RunTool({"htpasswd", "-Bbn", "alice", "s3cret"});
  ASSERT_EQ(hash.exit_code, 0) << hash.err;
  const std::string htpasswd = dir_.path() + "/htpasswd";
  WriteTestFile(htpasswd, hash.out);
  RegistryProcess reg;
  RegistryProcess::Options o;
  o.htpasswd_path = htpasswd;
  ASSERT_TRUE(reg.Start(dir_.path(), o).ok());
  SkopeoPush(Archive("a", "tags=b/a:1;seed=basic"), reg.host(), "b/app:1",
             {"--dest-creds", "alice:s3cret"});
  const Reference ref = Ref(reg.host() + "/b/app:1");

  RegistryClientOptions with;
  with.credentials = [](const std::string&) { return UserPass("alice", "s3cret"); };
  std::unique_ptr<RegistryClient> client = Client(std::move(with));
  absl::StatusOr<Descriptor> d = client->Resolve(ref);
  ASSERT_TRUE(d.ok()) << d.status();
  FetchAll(*client, ref, *ParseManifest(*client->FetchManifest(ref, *d)));

  std::unique_ptr<RegistryClient> anonymous = Client();
  absl::StatusOr<Descriptor> denied = anonymous->Resolve(ref);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kUnauthenticated);
  // A HEAD answer has no body, so the status line is all there is.
  EXPECT_EQ(denied.status().message(), "unexpected status from HEAD request to http://" +
                                           reg.host() + "/v2/b/app/manifests/1: 401 Unauthorized");
  MemorySink sink;
  absl::Status blob = anonymous->FetchBlob(
      ref, *ParseManifest(*client->FetchManifest(ref, *d))->layers.data(), sink);
  EXPECT_EQ(blob.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(blob.message(), "unauthorized: authentication required");

  // docker login's check, with htpasswd's real answers.
  EXPECT_EQ(anonymous->CheckLogin(reg.host(), UserPass("alice", "s3cret"))->status,
            kLoginSucceeded);
  EXPECT_EQ(anonymous->CheckLogin(reg.host(), UserPass("alice", "wrong")).status(),
            absl::UnauthenticatedError("login attempt to http://" + reg.host() +
                                       "/v2/ failed with status: 401 Unauthorized"));
  // CheckLogin did not make the client remember credentials.
  EXPECT_EQ(anonymous->Resolve(ref).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(RegistryIntegrationTest, BearerTokenViaSillyAuth) {
  std::mutex mu;
  std::vector<TestRequest> token_requests;
  HttpTestServer tokens([&](const TestRequest& r) {
    std::lock_guard<std::mutex> lock(mu);
    token_requests.push_back(r);
    return TestResponse{200,
                        {{"Content-Type", "application/json"}},
                        R"({"token":"tok)" + std::to_string(token_requests.size()) +
                            R"(","expires_in":300,"issued_at":"2099-01-01T00:00:00Z"})"};
  });
  RegistryProcess reg;
  RegistryProcess::Options o;
  o.silly_realm = tokens.url() + "/token";
  ASSERT_TRUE(reg.Start(dir_.path(), o).ok());
  SkopeoPush(Archive("a", "tags=t/a:1;seed=bearer;layers=2"), reg.host(), "t/app:1");
  std::vector<TestRequest> skopeo_requests;
  {
    std::lock_guard<std::mutex> lock(mu);
    skopeo_requests.swap(token_requests);
  }
  ASSERT_FALSE(skopeo_requests.empty()) << "auth.silly did not challenge skopeo";

  // Anonymous: GET <realm>?scope=...&service=...
  std::unique_ptr<RegistryClient> client = Client();
  const Reference ref = Ref(reg.host() + "/t/app:1");
  absl::StatusOr<Descriptor> d = client->Resolve(ref);
  ASSERT_TRUE(d.ok()) << d.status();
  FetchAll(*client, ref, *ParseManifest(*client->FetchManifest(ref, *d)));
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(token_requests.size(), 1u) << "one token, cached for every request of the pull";
    EXPECT_EQ(token_requests[0].method, "GET");
    EXPECT_EQ(token_requests[0].Query("scope"), "repository:t/app:pull");
    EXPECT_EQ(token_requests[0].Query("service"), "reclaim-test");
    EXPECT_EQ(token_requests[0].Header("authorization"), "");
    token_requests.clear();
  }

  // With credentials: the OAuth POST form.
  RegistryClientOptions with;
  with.credentials = [](const std::string&) { return UserPass("bob", "pw"); };
  std::unique_ptr<RegistryClient> authed = Client(std::move(with));
  ASSERT_TRUE(authed->Resolve(ref).ok());
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(token_requests.size(), 1u);
    EXPECT_EQ(token_requests[0].method, "POST");
    EXPECT_EQ(token_requests[0].body,
              "client_id=reclaim&grant_type=password&password=pw&scope=repository%3At%2Fapp%3Apull&"
              "service=reclaim-test&username=bob");
    token_requests.clear();
  }
  // Push asks for pull,push.
  RegistryPusher pusher(*authed, Ref(reg.host() + "/t/other"));
  EXPECT_FALSE(*pusher.BlobExists(d->digest));
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(token_requests.size(), 1u);
    EXPECT_TRUE(str::Contains(token_requests[0].body, "scope=repository%3At%2Fother%3Apull%2Cpush"))
        << token_requests[0].body;
  }
  absl::StatusOr<LoginResult> login = client->CheckLogin(reg.host(), UserPass("bob", "pw"));
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->status, "Login Succeeded");
}

TEST_F(RegistryIntegrationTest, TlsWithTestCaAndClientCertificate) {
  const std::string d = dir_.path();
  const std::string name = "registry.test";
  WriteTestFile(d + "/ext.cnf", "subjectAltName=DNS:" + name + ",IP:127.0.0.1\n");
  const std::vector<std::vector<std::string>> steps = {
      {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
       "-nodes", "-keyout", d + "/ca.key", "-out", d + "/ca.crt", "-days", "2", "-subj",
       "/CN=reclaim test CA"},
      {"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
       "-keyout", d + "/server.key", "-out", d + "/server.csr", "-subj", "/CN=" + name},
      {"openssl", "x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.crt", "-CAkey",
       d + "/ca.key", "-CAcreateserial", "-out", d + "/server.crt", "-days", "2", "-extfile",
       d + "/ext.cnf"},
      {"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
       "-keyout", d + "/client.key", "-out", d + "/client.csr", "-subj", "/CN=reclaim client"},
      {"openssl", "x509", "-req", "-in", d + "/client.csr", "-CA", d + "/ca.crt", "-CAkey",
       d + "/ca.key", "-CAcreateserial", "-out", d + "/client.cert", "-days", "2"},
  };
  for (const auto& argv : steps) {
    RunResult r = RunTool(argv);
    ASSERT_EQ(r.exit_code, 0) << argv[1] << ": " << r.err;
  }
  RegistryProcess reg;
  RegistryProcess::Options o;
  o.tls_cert = d + "/server.crt";
  o.tls_key = d + "/server.key";
  o.tls_client_ca = d + "/ca.crt";
  ASSERT_TRUE(reg.Start(d, o).ok()) << reg.log();
  RunTool({"mkdir", "-p", d + "/clientdir"});
  for (const char* f : {"ca.crt", "client.cert", "client.key"}) {
    WriteTestFile(d + "/clientdir/" + f, ReadTestFile(d + "/" + f));
  }
  SkopeoPush(Archive("a", "tags=s/a:1;seed=tls"), reg.host(), "s/app:1",
             {"--dest-cert-dir", d + "/clientdir"});
  // (skopeo reads client.cert/client.key and *.crt from --dest-cert-dir.)

  const std::string host = name + ":" + std::to_string(reg.port());
  auto client_for = [&](bool with_ca) {
    CurlTransportOptions t;
    t.resolve = {host + ":127.0.0.1"};
    RegistryClientOptions options;
    options.transport = std::move(NewCurlTransport(t)).value();
    options.certs_dir = d + (with_ca ? "/certs.d" : "/empty-certs.d");
    absl::StatusOr<std::unique_ptr<RegistryClient>> c = RegistryClient::Create(std::move(options));
    EXPECT_TRUE(c.ok());
    return *std::move(c);
  };
  const Reference ref = Ref(host + "/s/app:1");

  // Without the CA the server is not trusted.
  absl::StatusOr<Descriptor> untrusted = client_for(false)->Resolve(ref);
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.status().code(), absl::StatusCode::kUnavailable) << untrusted.status();

  // The CA alone: trusted, but the registry wants a client certificate.
  const std::string certs = d + "/certs.d/" + host;
  RunTool({"mkdir", "-p", certs});
  WriteTestFile(certs + "/ca.crt", ReadTestFile(d + "/ca.crt"));
  absl::StatusOr<Descriptor> no_cert = client_for(true)->Resolve(ref);
  EXPECT_FALSE(no_cert.ok());

  WriteTestFile(certs + "/client.cert", ReadTestFile(d + "/client.cert"));
  WriteTestFile(certs + "/client.key", ReadTestFile(d + "/client.key"));
  std::unique_ptr<RegistryClient> client = client_for(true);
  absl::StatusOr<Descriptor> desc = client->Resolve(ref);
  ASSERT_TRUE(desc.ok()) << desc.status();
  RunResult raw = Skopeo({"inspect", "--raw", "--cert-dir", d + "/clientdir", "--tls-verify=false",
                          "docker://" + reg.host() + "/s/app:1"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(desc->digest, Digest::Sha256Of(raw.out));
  FetchAll(*client, ref, *ParseManifest(*client->FetchManifest(ref, *desc)));
}

}  // namespace
}  // namespace reclaim
