// Pull and push of a Store against Debian's real docker-registry 2.8 (label
// `registry`; the test starts the registry itself on 127.0.0.1), plus a
// registry that lies, served here. What is pushed is compared with what skopeo
// reads back; what is pulled is walked in the store.
#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "core/media_types.h"
#include "nlohmann/json.hpp"
#include "core/reference.h"
#include "gtest/gtest.h"
#include "imageio/byte_stream.h"
#include "imageio/distribution_source.h"
#include "imageio/load.h"
#include "imageio/pull.h"
#include "imageio/push.h"
#include "imageio/testing/fake_store.h"
#include "imageio/walk.h"
#include "platform/testing/temp_dir.h"
#include "registry/testing/http_test_server.h"
#include "registry/testing/registry_fixture.h"

namespace reclaim {
namespace {

using Kind = PushEvent::Kind;

class PushPullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status tools = RequireTools({"docker-registry", "skopeo", "python3"});
    ASSERT_TRUE(tools.ok()) << tools;
    const char* mk = ::getenv("RECLAIM_MKARCHIVE");
    ASSERT_NE(mk, nullptr) << "RECLAIM_MKARCHIVE must name tests/e2e/mkarchive.py (ctest sets it)";
    mkarchive_ = mk;
  }

  // Loads a generated archive (mkarchive.py spec) into `store` and names its
  // image `name` too.
  void LoadAs(FakeStore& store, const std::string& spec, const std::string& name) {
    const std::string path = dir_.path() + "/in.tar";
    RunResult r = RunTool({"python3", mkarchive_, path, spec});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    StringSource source(ReadTestFile(path));
    absl::StatusOr<LoadResult> loaded = LoadArchive(store, source);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    ASSERT_FALSE(loaded->images.empty());
    Name(store, name, loaded->images.front().target);
  }

  static void Name(FakeStore& store, const std::string& name, const Descriptor& target) {
    ImageRecord rec;
    rec.name = Ref(name).String();
    rec.target = target;
    ASSERT_TRUE(store.images().CreateImage(rec).ok());
  }

  static Reference Ref(const std::string& s) {
    absl::StatusOr<Reference> r = ParseNormalizedNamed(s);
    EXPECT_TRUE(r.ok()) << s << ": " << r.status();
    return *r;
  }

  std::unique_ptr<RegistryClient> Client() {
    RegistryClientOptions o;
    o.certs_dir = dir_.path() + "/certs.d";
    absl::StatusOr<std::unique_ptr<RegistryClient>> c = RegistryClient::Create(std::move(o));
    EXPECT_TRUE(c.ok()) << c.status();
    return *std::move(c);
  }

  // Pushes and returns the events, each as "<kind>:<text>".
  absl::StatusOr<PushResult> Push(FakeStore& store, const std::string& name,
                                  std::vector<std::string>* events) {
    std::unique_ptr<RegistryClient> client = Client();
    PushOptions o;
    o.progress = [events](const PushEvent& e) {
      if (e.kind == Kind::kPushing) return;
      const char* k[] = {"waiting", "pushing", "pushed", "exists", "mounted", "instead"};
      events->push_back(std::string(k[static_cast<int>(e.kind)]) + ":" + e.text);
    };
    return PushImage(store, *client, Ref(name), o);
  }

  static int Count(const std::vector<std::string>& events, const std::string& event) {
    return static_cast<int>(std::count(events.begin(), events.end(), event));
  }

  TempDir dir_;
  std::string mkarchive_;
};

TEST_F(PushPullTest, PushSkipsWhatTheRegistryHasMountsWhatItKnowsAndPullsBack) {
  RegistryProcess reg;
  ASSERT_TRUE(reg.Start(dir_.path(), {}).ok());
  FakeStore local;
  const std::string x = reg.host() + "/x/app:1";
  LoadAs(local, "tags=x/a:1;seed=push;layers=2;size=300000", x);

  std::vector<std::string> events;
  absl::StatusOr<PushResult> pushed = Push(local, x, &events);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(pushed->tag, "1");
  EXPECT_EQ(Count(events, "waiting:"), 2);
  EXPECT_EQ(Count(events, "pushed:"), 2);
  EXPECT_EQ(pushed->blobs_uploaded, 3);  // two layers and the config
  RunResult inspect =
      RunTool({"skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}", "docker://" + x});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(inspect.out, pushed->target.digest.str() + "\n");

  // The layers now know their repository...
  absl::StatusOr<Manifest> m = ParseManifest(*local.content().ReadBlob(pushed->target.digest, 1 << 20));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(local.content().Info(m->layers[0].digest)->labels.at(DistributionSourceLabel(reg.host())),
            "x/app");

  // ...so a second push finds them there, and a push to another repository
  // mounts them from it instead of uploading.
  events.clear();
  pushed = Push(local, x, &events);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(Count(events, "exists:Layer already exists"), 2);
  EXPECT_EQ(pushed->blobs_uploaded, 0);

  const std::string y = reg.host() + "/y/app:2";
  Name(local, y, pushed->target);
  events.clear();
  pushed = Push(local, y, &events);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(Count(events, "mounted:Mounted from x/app"), 2);
  EXPECT_EQ(pushed->blobs_mounted, 3);
  EXPECT_EQ(pushed->blobs_uploaded, 0);

  // Pulled back into an empty store: the same image, labelled for y/app,
  // while a collection runs in the middle of the pull and takes none of it.
  FakeStore other;
  std::unique_ptr<RegistryClient> client = Client();
  PullOptions po;
  std::atomic<int> collections{0};
  po.progress = [&](const PullEvent& e) {
    if (e.kind != PullEvent::Kind::kDownloadComplete) return;
    ASSERT_TRUE(other.collector().Collect().ok());
    ++collections;
  };
  absl::StatusOr<PullResult> pulled = PullImage(other, *client, Ref(y), po);
  ASSERT_TRUE(pulled.ok()) << pulled.status();
  EXPECT_EQ(collections.load(), 2);
  EXPECT_EQ(pulled->target.digest, pushed->target.digest);
  ASSERT_TRUE(other.collector().Collect().ok());
  absl::StatusOr<std::vector<ContentInfo>> blobs = PresentBlobs(other, pulled->target);
  ASSERT_TRUE(blobs.ok()) << blobs.status();
  EXPECT_EQ(blobs->size(), 4u);  // manifest, config, two layers
  for (const ContentInfo& b : *blobs) {
    EXPECT_EQ(b.labels.at(DistributionSourceLabel(reg.host())), "y/app") << b.digest.str();
  }
}

TEST_F(PushPullTest, PushOfANameTheStoreLacksSaysSo) {
  RegistryProcess reg;
  ASSERT_TRUE(reg.Start(dir_.path(), {}).ok());
  FakeStore local;
  std::vector<std::string> events;
  absl::StatusOr<PushResult> pushed = Push(local, reg.host() + "/x/none:1", &events);
  EXPECT_EQ(pushed.status(),
            absl::NotFoundError("tag does not exist: " + reg.host() + "/x/none:1"));
  absl::StatusOr<std::vector<Reference>> all = PushReferences(local, Ref(reg.host() + "/x/none"));
  EXPECT_EQ(all.status(), absl::NotFoundError("An image does not exist locally with the tag: " +
                                              reg.host() + "/x/none"));
}

// A registry that serves a manifest whose layer it then sends other bytes
// for (or more bytes than the manifest says).
struct LyingRegistry {
  std::string manifest, config, layer, served_layer;
  TestResponse Handle(const TestRequest& r) {
    const std::string path = r.Path();
    if (path == "/v2/") return {200, {}, "{}"};
    if (path.find("/manifests/") != std::string::npos) {
      return {200,
              {{"Content-Type", std::string(media_types::kOciManifest)},
               {"Docker-Content-Digest", Digest::Sha256Of(manifest).str()}},
              manifest};
    }
    if (path.find(Digest::Sha256Of(config).str()) != std::string::npos) return {200, {}, config};
    if (path.find(Digest::Sha256Of(layer).str()) != std::string::npos) {
      return {200, {}, served_layer};
    }
    return {404, {}, ""};
  }
};

std::string ManifestOf(const std::string& config, const std::string& layer) {
  auto desc = [](std::string_view type, const std::string& bytes) {
    Descriptor d;
    d.media_type = std::string(type);
    d.digest = Digest::Sha256Of(bytes);
    d.size = static_cast<int64_t>(bytes.size());
    return DescriptorToJson(d);
  };
  nlohmann::json m = {{"schemaVersion", 2},
                      {"mediaType", media_types::kOciManifest},
                      {"config", desc(media_types::kOciConfig, config)},
                      {"layers", {desc(media_types::kOciLayer, layer)}}};
  return m.dump();
}

TEST_F(PushPullTest, ARegistryThatLiesAboutABlobGetsNothingCommitted) {
  const std::string config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}})";
  const std::string layer(100000, 'a');
  const struct {
    const char* name;
    std::string served;
    const char* error;
  } cases[] = {
      {"other bytes", std::string(100000, 'b'), "unexpected commit digest"},
      {"more bytes", layer + "tail", "unexpected commit size"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    LyingRegistry liar{ManifestOf(config, layer), config, layer, c.served};
    HttpTestServer server([&liar](const TestRequest& r) { return liar.Handle(r); });
    FakeStore store;
    std::unique_ptr<RegistryClient> client = Client();
    absl::StatusOr<PullResult> pulled = PullImage(store, *client, Ref(server.host() + "/liar:1"));
    ASSERT_FALSE(pulled.ok());
    EXPECT_NE(pulled.status().message().find(c.error), std::string_view::npos) << pulled.status();
    EXPECT_TRUE(store.images().ListImages()->empty());
    ASSERT_TRUE(store.collector().Collect().ok());
    // The config may have been committed under the pull's lease; nothing
    // survives the lease's end and a collection.
    EXPECT_TRUE(store.content().ListContent()->empty());
  }
}

}  // namespace
}  // namespace reclaim
