#include "imageio/import.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/digest.h"
#include "core/media_types.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "imageio/load.h"
#include "imageio/names.h"
#include "imageio/save.h"
#include "imageio/testing/tar_builder.h"
#include "imageio/testing/test_stores.h"
#include "imageio/walk.h"
#include "platform/clock.h"

namespace reclaim {
namespace {

using ::testing::HasSubstr;

std::string RootfsTar() {
  TarBuilder t;
  t.Dir("etc").File("etc/os-release", "ID=reclaim\n").Dir("bin").File("bin/sh", "#!fake\n");
  return t.Finish();
}

const absl::Time kNow = absl::FromUnixNanos(1704164645123456789);  // 2024-01-02T03:04:05.123456789Z

class ImportTest : public ::testing::TestWithParam<TestStoreKind> {
 protected:
  FakeClock clock_{kNow};
};

struct CompressionCase {
  TarCompression compression;
  std::string_view media_type;
  bool stored_as_given;  // else stored decompressed
};

TEST_P(ImportTest, LayerIsStoredPerCompressionAndDiffIdIsTheTarDigest) {
  const std::string plain = RootfsTar();
  const Digest diff_id = Digest::Sha256Of(plain);
  const std::vector<CompressionCase> cases = {
      {TarCompression::kNone, media_types::kOciLayer, true},
      {TarCompression::kGzip, media_types::kOciLayerGzip, true},
      {TarCompression::kZstd, media_types::kOciLayerZstd, true},
      {TarCompression::kBzip2, media_types::kOciLayer, false},
      {TarCompression::kXz, media_types::kOciLayer, false},
  };
  for (const CompressionCase& c : cases) {
    SCOPED_TRACE(std::string(c.media_type) + (c.stored_as_given ? "" : " (decompressed)"));
    TestStore store(GetParam());
    const std::string input =
        c.compression == TarCompression::kNone ? plain : Compress(plain, c.compression);
    StringSource src(input);
    ImportOptions opts;
    opts.clock = &clock_;
    auto r = ImportRootfs(*store, src, opts);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->diff_id, diff_id);
    EXPECT_EQ(r->layer.media_type, c.media_type);
    const std::string& stored = c.stored_as_given ? input : plain;
    EXPECT_EQ(r->layer.digest, Digest::Sha256Of(stored));
    EXPECT_EQ(r->layer.size, static_cast<int64_t>(stored.size()));
    auto bytes = store->content().ReadBlob(r->layer.digest, 1 << 20);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_EQ(*bytes, stored);
    auto info = store->content().Info(r->layer.digest);
    ASSERT_TRUE(info.ok());
    const bool compressed =
        c.compression == TarCompression::kGzip || c.compression == TarCompression::kZstd;
    EXPECT_EQ(info->labels.count("containerd.io/uncompressed"), compressed ? 1u : 0u);
    if (compressed) {
      EXPECT_EQ(info->labels["containerd.io/uncompressed"], diff_id.str());
    }
  }
}

TEST_P(ImportTest, ConfigManifestAndRecordAreMobyShaped) {
  TestStore store(GetParam());
  const std::string plain = RootfsTar();
  StringSource src(plain);
  ImportOptions opts;
  opts.clock = &clock_;
  opts.name = "busybox";
  opts.labels = {{"a", "b"}, {"html", "<&>"}};
  auto r = ImportRootfs(*store, src, opts);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->name, "docker.io/library/busybox:latest");
  const Platform host = HostPlatform();
  const std::string want_config =
      "{\"created\":\"2024-01-02T03:04:05.123456789Z\",\"architecture\":\"" + host.architecture +
      "\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" +
      Digest::Sha256Of(plain).str() +
      "\"]},\"history\":[{\"created\":\"2024-01-02T03:04:05.123456789Z\",\"comment\":\"Imported "
      "from -\"}],\"config\":{\"Labels\":{\"a\":\"b\",\"html\":\"\\u003c\\u0026\\u003e\"}}}";
  auto config = store->content().ReadBlob(r->config.digest, 1 << 20);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(*config, want_config);
  EXPECT_EQ(r->config.media_type, media_types::kOciConfig);

  const std::string want_manifest =
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
      "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" +
      r->config.digest.str() + "\",\"size\":" + std::to_string(want_config.size()) +
      "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" +
      Digest::Sha256Of(plain).str() + "\",\"size\":" + std::to_string(plain.size()) + "}]}";
  auto manifest = store->content().ReadBlob(r->target.digest, 1 << 20);
  ASSERT_TRUE(manifest.ok());
  EXPECT_EQ(*manifest, want_manifest);
  EXPECT_EQ(r->target.digest, Digest::Sha256Of(want_manifest));
  auto info = store->content().Info(r->target.digest);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->labels["containerd.io/gc.ref.content.config"], r->config.digest.str());
  EXPECT_EQ(info->labels["containerd.io/gc.ref.content.l.0"], r->layer.digest.str());

  auto rec = store->images().GetImage("docker.io/library/busybox:latest");
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->target, r->target);
  auto leases = store->leases().ListLeases();
  ASSERT_TRUE(leases.ok());
  EXPECT_TRUE(leases->empty());
  ASSERT_TRUE(store->collector().Collect().ok());
  auto blobs = PresentBlobs(*store, r->target);
  ASSERT_TRUE(blobs.ok());
  EXPECT_EQ(blobs->size(), 3u);
}

TEST_P(ImportTest, NamelessImportIsDanglingAndNamesMove) {
  TestStore store(GetParam());
  ImportOptions opts;
  opts.clock = &clock_;
  StringSource first(RootfsTar());
  auto a = ImportRootfs(*store, first, opts);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->name, DanglingImageName(a->target.digest));
  EXPECT_FALSE(a->previous_target.has_value());

  opts.name = "x:1";
  StringSource second(RootfsTar());
  auto b = ImportRootfs(*store, second, opts);
  ASSERT_TRUE(b.ok());
  clock_.Advance(absl::Seconds(1));  // a different `created`, so a different image
  StringSource third(RootfsTar());
  auto c = ImportRootfs(*store, third, opts);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(b->target.digest, c->target.digest);
  ASSERT_TRUE(c->previous_target.has_value());
  EXPECT_EQ(c->previous_target->digest, b->target.digest);
  EXPECT_EQ(store->images().GetImage("docker.io/library/x:1")->target.digest, c->target.digest);
}

TEST_P(ImportTest, EmptyInputIsAnEmptyLayer) {
  TestStore store(GetParam());
  StringSource src("");
  ImportOptions opts;
  opts.clock = &clock_;
  auto r = ImportRootfs(*store, src, opts);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->layer.size, 0);
  EXPECT_EQ(r->diff_id, Digest::Sha256Of(""));
}

TEST_P(ImportTest, BadInputCreatesNoRecord) {
  struct Case {
    std::string name;
    std::string input;
    std::string image_name;
    std::string want;
  };
  const std::string tar = RootfsTar();
  const std::vector<Case> cases = {
      {"NotATar", std::string(3000, 'q'), "", "not a valid tar archive"},
      {"GzipOfText", Compress(std::string(3000, 'q'), TarCompression::kGzip), "",
       "not a valid tar archive"},
      {"TruncatedGzip", Compress(tar, TarCompression::kGzip).substr(0, 40), "", "invalid archive"},
      {"TruncatedTar", tar.substr(0, 700), "", "not a valid tar archive"},
      {"DigestName", tar, "x@sha256:" + std::string(64, 'a'), "digest reference"},
      {"BadName", tar, "UPPER", "must be lowercase"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TestStore store(GetParam());
    StringSource src(c.input);
    ImportOptions opts;
    opts.clock = &clock_;
    opts.name = c.image_name;
    auto r = ImportRootfs(*store, src, opts);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.want));
    auto images = store->images().ListImages();
    ASSERT_TRUE(images.ok());
    EXPECT_TRUE(images->empty());
    ASSERT_TRUE(store->collector().Collect().ok());
    auto content = store->content().ListContent();
    ASSERT_TRUE(content.ok());
    EXPECT_TRUE(content->empty());
  }
}

TEST_P(ImportTest, ImportedImageSurvivesSaveAndLoad) {
  TestStore a(GetParam());
  ImportOptions opts;
  opts.clock = &clock_;
  opts.name = "rootfs:v1";
  StringSource src(Compress(RootfsTar(), TarCompression::kGzip));
  auto imported = ImportRootfs(*a, src, opts);
  ASSERT_TRUE(imported.ok()) << imported.status();
  std::string tar;
  StringSink sink(&tar);
  ASSERT_TRUE(SaveImages(*a, {"rootfs:v1"}, sink).ok());
  TestStore b(GetParam());
  StringSource in(tar);
  auto loaded = LoadArchive(*b, in);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->images.size(), 1u);
  EXPECT_EQ(loaded->images[0].name, "docker.io/library/rootfs:v1");
  EXPECT_EQ(loaded->images[0].target.digest, imported->target.digest);
}

TEST(ImportSourceTest, SourceErrorsPassThrough) {
  FakeStore store;
  const std::string tar = RootfsTar();
  size_t pos = 0;
  FunctionSource src([&](char* buf, size_t n) -> absl::StatusOr<size_t> {
    if (pos >= 1024) return absl::AbortedError("client went away");
    const size_t k = std::min(n, size_t{512});
    std::memcpy(buf, tar.data() + pos, k);
    pos += k;
    return k;
  });
  auto r = ImportRootfs(store, src);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
  EXPECT_EQ(store.open_writers(), 0);
}

INSTANTIATE_TEST_SUITE_P(Stores, ImportTest, ::testing::ValuesIn(AllTestStores()), TestStoreName);

}  // namespace
}  // namespace reclaim
