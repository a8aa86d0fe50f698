#include "imageio/load.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "core/digest.h"
#include "core/media_types.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "imageio/go_json.h"
#include "imageio/names.h"
#include "imageio/testing/image_builder.h"
#include "imageio/testing/tar_builder.h"
#include "imageio/testing/test_stores.h"
#include "imageio/walk.h"
#include "platform/clock.h"

namespace reclaim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string BlobPath(const Descriptor& d) { return "blobs/sha256/" + std::string(d.digest.hex()); }

Descriptor Named(Descriptor d, const std::string& full, const std::string& ref) {
  d.annotations[std::string(kAnnotationImageName)] = full;
  if (!ref.empty()) d.annotations[std::string(kAnnotationRefName)] = ref;
  return d;
}

void AddImageBlobs(TarBuilder& tar, const TestImage& img) {
  tar.File(BlobPath(img.manifest.desc), img.manifest.bytes);
  tar.File(BlobPath(img.config.desc), img.config.bytes);
  for (const TestBlob& l : img.layers) tar.File(BlobPath(l.desc), l.bytes);
}

// An OCI layout with one index.json entry per target.
std::string OciArchive(const std::vector<TestImage>& images, const std::vector<Descriptor>& targets,
                       bool layout_first = true) {
  TarBuilder tar;
  if (layout_first) tar.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
  tar.Dir("blobs/").Dir("blobs/sha256/");
  for (const TestImage& img : images) AddImageBlobs(tar, img);
  tar.File("index.json", GoJsonOciIndex(targets));
  if (!layout_first) tar.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
  return tar.Finish();
}

std::map<std::string, std::string> ImageMap(Store& store) {
  std::map<std::string, std::string> out;
  auto images = store.images().ListImages();
  EXPECT_TRUE(images.ok()) << images.status();
  if (!images.ok()) return out;
  for (const ImageRecord& r : *images) out[r.name] = r.target.digest.str();
  return out;
}

std::vector<std::string> ContentDigests(Store& store) {
  std::vector<std::string> out;
  auto all = store.content().ListContent();
  EXPECT_TRUE(all.ok()) << all.status();
  if (!all.ok()) return out;
  for (const ContentInfo& i : *all) out.push_back(i.digest.str());
  std::sort(out.begin(), out.end());
  return out;
}

class LoadTest : public ::testing::TestWithParam<TestStoreKind> {};

TEST_P(LoadTest, OciLayoutCreatesCanonicalRecordsAndGcLabels) {
  TestStore store(GetParam());
  TestImage a = MakeTestImage("a", 2);
  TestImage b = MakeTestImage("b", 1);
  std::vector<Descriptor> targets = {
      Named(a.manifest.desc, "docker.io/library/alpine:3", "3"),
      Named(b.manifest.desc, "", "latest"),  // ref.name only: normalized
      b.manifest.desc,                       // no name: dangling
  };
  targets[1].annotations.erase(std::string(kAnnotationImageName));
  StringSource src(OciArchive({a, b}, targets, /*layout_first=*/false));
  int progress_calls = 0;
  LoadOptions opts;
  opts.progress = [&](const LoadProgress& p) {
    ++progress_calls;
    EXPECT_EQ(p.entries, progress_calls);
  };
  auto r = LoadArchive(*store, src, opts);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->format, ArchiveFormat::kOciLayout);
  EXPECT_EQ(progress_calls, r->entries);
  ASSERT_EQ(r->images.size(), 3u);
  EXPECT_EQ(r->images[0].name, "docker.io/library/alpine:3");
  EXPECT_EQ(r->images[0].Message(), "Loaded image: alpine:3");
  EXPECT_EQ(r->images[1].name, "docker.io/library/latest:latest");
  EXPECT_EQ(r->images[2].name, "moby-dangling@" + b.manifest.desc.digest.str());
  EXPECT_EQ(r->images[2].Message(), "Loaded image ID: " + b.manifest.desc.digest.str());
  EXPECT_TRUE(r->images[0].created);

  auto rec = store->images().GetImage("docker.io/library/alpine:3");
  ASSERT_TRUE(rec.ok()) << rec.status();
  EXPECT_EQ(rec->target, targets[0]);  // annotations and platform kept, as containerd does

  auto info = store->content().Info(a.manifest.desc.digest);
  ASSERT_TRUE(info.ok());
  const std::string p = "containerd.io/gc.ref.content.";
  EXPECT_EQ(info->labels[p + "config"], a.config.desc.digest.str());
  EXPECT_EQ(info->labels[p + "l.0"], a.layers[0].desc.digest.str());
  EXPECT_EQ(info->labels[p + "l.1"], a.layers[1].desc.digest.str());

  // The lease is gone and the loaded content survives a collection.
  auto leases = store->leases().ListLeases();
  ASSERT_TRUE(leases.ok());
  EXPECT_TRUE(leases->empty());
  ASSERT_TRUE(store->collector().Collect().ok());
  auto blobs = PresentBlobs(*store, a.manifest.desc);
  ASSERT_TRUE(blobs.ok());
  EXPECT_EQ(blobs->size(), 4u);
}

TEST_P(LoadTest, OciIndexTargetWithMissingPlatformIsAccepted) {
  TestStore store(GetParam());
  TestImage amd = MakeTestImage("amd", 1);
  TestImage arm = MakeTestImage("arm", 1, "arm64");
  TestIndex idx = MakeTestIndex({amd, arm});
  TarBuilder tar;
  tar.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
  tar.File(BlobPath(idx.index.desc), idx.index.bytes);
  AddImageBlobs(tar, amd);  // arm64 absent, as in a partial docker save
  tar.File("index.json", GoJsonOciIndex({Named(idx.index.desc, "docker.io/library/multi:1", "1")}));
  StringSource src(tar.Finish(TarCompression::kGzip));
  auto r = LoadArchive(*store, src);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->images.size(), 1u);
  EXPECT_EQ(r->images[0].target.digest, idx.index.desc.digest);
  auto info = store->content().Info(idx.index.desc.digest);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->labels["containerd.io/gc.ref.content.m.0"], amd.manifest.desc.digest.str());
  EXPECT_EQ(info->labels["containerd.io/gc.ref.content.m.1"], arm.manifest.desc.digest.str());
}

TEST_P(LoadTest, BlobsAlreadyInTheStoreCompleteTheImage) {
  TestStore store(GetParam());
  TestImage a = MakeTestImage("pre", 1);
  ASSERT_TRUE(PutTestBlob(*store, a.layers[0]).ok());
  TarBuilder tar;
  tar.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
  tar.File(BlobPath(a.manifest.desc), a.manifest.bytes);
  tar.File(BlobPath(a.config.desc), a.config.bytes);
  tar.File("index.json", GoJsonOciIndex({Named(a.manifest.desc, "docker.io/library/pre:1", "1")}));
  StringSource src(tar.Finish());
  auto r = LoadArchive(*store, src);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(ImageMap(*store).at("docker.io/library/pre:1"), a.manifest.desc.digest.str());
}

TEST_P(LoadTest, ExistingNameIsMovedAndReported) {
  TestStore store(GetParam());
  TestImage old_img = MakeTestImage("old", 1);
  TestImage new_img = MakeTestImage("new", 1);
  ASSERT_TRUE(PutTestImage(*store, old_img).ok());
  ImageRecord rec;
  rec.name = "docker.io/library/app:1";
  rec.target = old_img.manifest.desc;
  rec.labels["keep"] = "me";
  ASSERT_TRUE(store->images().CreateImage(rec).ok());
  StringSource src(
      OciArchive({new_img}, {Named(new_img.manifest.desc, "docker.io/library/app:1", "1")}));
  auto r = LoadArchive(*store, src);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->images.size(), 1u);
  EXPECT_FALSE(r->images[0].created);
  ASSERT_TRUE(r->images[0].previous_target.has_value());
  EXPECT_EQ(r->images[0].previous_target->digest, old_img.manifest.desc.digest);
  auto got = store->images().GetImage("docker.io/library/app:1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->target.digest, new_img.manifest.desc.digest);
  EXPECT_EQ(got->labels["keep"], "me");
}

// ------------------------------------------------------------ docker-archive

struct DockerArchive {
  std::string tar;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::string manifest_bytes;
};

// A legacy `docker save`: <id>.json config, <id>/layer.tar layers (one plain,
// one gzip), a shared layer linked by symlink, manifest.json anywhere.
DockerArchive MakeDockerArchive(const std::string& repo_tags_json, bool manifest_first) {
  DockerArchive out;
  TarBuilder l0, l1;
  l0.File("etc/hostname", "plain\n");
  l1.File("etc/motd", "compressed\n");
  const std::string plain = l0.Finish();
  const std::string gz = l1.Finish(TarCompression::kGzip);
  const std::string config =
      "{\"architecture\":\"x86_64\",\"os\":\"Linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\","
      "\"diff_ids\":[]}}";
  const Digest cd = Digest::Sha256Of(config);
  out.config.media_type = std::string(media_types::kDockerConfig);
  out.config.digest = cd;
  out.config.size = static_cast<int64_t>(config.size());
  Descriptor d0, d1;
  d0.media_type = std::string(media_types::kDockerLayer);
  d0.digest = Digest::Sha256Of(plain);
  d0.size = static_cast<int64_t>(plain.size());
  d1.media_type = std::string(media_types::kDockerLayerGzip);
  d1.digest = Digest::Sha256Of(gz);
  d1.size = static_cast<int64_t>(gz.size());
  out.layers = {d0, d1, d0};
  out.manifest_bytes = GoJsonDockerManifest(out.config, out.layers);
  const std::string manifest_json = "[{\"Config\":\"" + std::string(cd.hex()) +
                                    ".json\",\"RepoTags\":" + repo_tags_json +
                                    ",\"Layers\":[\"aaa/layer.tar\",\"./bbb/layer.tar\","
                                    "\"ccc/layer.tar\"]}]";
  TarBuilder tar;
  if (manifest_first) tar.File("manifest.json", manifest_json);
  tar.Dir("aaa").File("aaa/VERSION", "1.0").File("aaa/layer.tar", plain);
  tar.Dir("bbb").File("bbb/layer.tar", gz);
  tar.Dir("ccc").Symlink("ccc/layer.tar", "../aaa/layer.tar");
  tar.File(std::string(cd.hex()) + ".json", config);
  tar.File("repositories", "{}");
  if (!manifest_first) tar.File("manifest.json", manifest_json);
  out.tar = tar.Finish();
  return out;
}

TEST_P(LoadTest, DockerArchiveBuildsContainerdsManifest) {
  for (bool manifest_first : {true, false}) {
    SCOPED_TRACE(manifest_first);
    TestStore store(GetParam());
    DockerArchive da = MakeDockerArchive("[\"alpine:3\",\"user/app\"]", manifest_first);
    StringSource src(da.tar);
    auto r = LoadArchive(*store, src);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->format, ArchiveFormat::kDockerArchive);
    const Digest want = Digest::Sha256Of(da.manifest_bytes);
    ASSERT_EQ(r->images.size(), 2u);
    EXPECT_EQ(r->images[0].name, "docker.io/library/alpine:3");
    EXPECT_EQ(r->images[1].name, "docker.io/user/app:latest");
    EXPECT_EQ(r->images[1].Message(), "Loaded image: user/app:latest");
    for (const LoadedImage& li : r->images) {
      EXPECT_EQ(li.target.digest, want);
      EXPECT_EQ(li.target.media_type, media_types::kDockerManifest);
      ASSERT_TRUE(li.target.platform.has_value());
      EXPECT_EQ(li.target.platform->architecture, "amd64");
      EXPECT_EQ(li.target.platform->os, "linux");
    }
    EXPECT_EQ(r->images[0].target.annotations.at(std::string(kAnnotationRefName)), "3");
    EXPECT_EQ(r->images[1].target.annotations.at(std::string(kAnnotationRefName)), "latest");
    auto bytes = store->content().ReadBlob(want, 1 << 20);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_EQ(*bytes, da.manifest_bytes);
    auto info = store->content().Info(want);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->labels["containerd.io/gc.ref.content.l.2"], da.layers[0].digest.str());
  }
}

TEST_P(LoadTest, DockerArchiveWithoutTagsIsDangling) {
  TestStore store(GetParam());
  DockerArchive da = MakeDockerArchive("null", true);
  StringSource src(da.tar);
  auto r = LoadArchive(*store, src);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->images.size(), 1u);
  EXPECT_TRUE(r->images[0].dangling());
  EXPECT_TRUE(r->images[0].target.annotations.empty());
}

TEST_P(LoadTest, DockerArchiveReusesACompressedBlobFromTheStore) {
  TestStore store(GetParam());
  DockerArchive da = MakeDockerArchive("[\"x:1\"]", true);
  TarBuilder l0;
  l0.File("etc/hostname", "plain\n");
  TestBlob gz = MakeTestBlob(l0.Finish(TarCompression::kGzip), media_types::kDockerLayerGzip);
  ASSERT_TRUE(
      PutTestBlob(*store, gz, {{"containerd.io/uncompressed", da.layers[0].digest.str()}}).ok());
  StringSource src(da.tar);
  auto r = LoadArchive(*store, src);
  ASSERT_TRUE(r.ok()) << r.status();
  // containerd substitutes only the last occurrence of a repeated layer.
  std::vector<Descriptor> layers = {da.layers[0], da.layers[1], gz.desc};
  EXPECT_EQ(r->images[0].target.digest, Digest::Sha256Of(GoJsonDockerManifest(da.config, layers)));
}

TEST_P(LoadTest, IndexJsonIsPreferredOverManifestJson) {
  TestStore store(GetParam());
  TestImage a = MakeTestImage("both", 1);
  TarBuilder tar;
  tar.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
  AddImageBlobs(tar, a);
  tar.File("manifest.json",
           "[{\"Config\":\"nope.json\",\"RepoTags\":[\"other:1\"],\"Layers\":[]}]");
  tar.File("index.json", GoJsonOciIndex({Named(a.manifest.desc, "docker.io/library/both:1", "1")}));
  StringSource src(tar.Finish());
  auto r = LoadArchive(*store, src);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(ImageMap(*store).count("docker.io/library/other:1"), 0u);
  EXPECT_EQ(ImageMap(*store).count("docker.io/library/both:1"), 1u);
}

TEST_P(LoadTest, SourceErrorsPassThroughUnchanged) {
  TestStore store(GetParam());
  int calls = 0;
  FunctionSource src([&](char*, size_t) -> absl::StatusOr<size_t> {
    ++calls;
    return absl::UnavailableError("connection reset");
  });
  auto r = LoadArchive(*store, src);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_GE(calls, 1);
}

// ------------------------------------------------------------ hostile input

struct HostileCase {
  std::string name;
  std::function<std::string()> archive;
  std::string want;  // substring of the message
  std::function<void(LoadOptions&)> tweak = nullptr;
};

std::vector<HostileCase> HostileCases() {
  static const TestImage a = MakeTestImage("h", 1);
  const Descriptor target = Named(a.manifest.desc, "docker.io/library/h:1", "1");
  auto oci = [target](std::function<void(TarBuilder&)> extra, bool blobs = true) {
    return [target, extra, blobs]() {
      TarBuilder tar;
      tar.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
      if (blobs) AddImageBlobs(tar, a);
      extra(tar);
      tar.File("index.json", GoJsonOciIndex({target}));
      return tar.Finish();
    };
  };
  auto only = [](std::function<void(TarBuilder&)> fill) {
    return [fill]() {
      TarBuilder tar;
      fill(tar);
      return tar.Finish();
    };
  };
  std::string deep(200, '[');
  deep += std::string(200, ']');
  Descriptor lying = target;
  lying.size += 1;
  TestBlob wrong_type = MakeTestBlob(a.manifest.bytes, media_types::kOciIndex);
  return {
      {"AbsolutePath", oci([](TarBuilder& t) { t.File("/etc/passwd", "x"); }), "absolute paths"},
      {"DotDot", oci([](TarBuilder& t) { t.File("blobs/../../escape", "x"); }), "\"..\""},
      {"Hardlink", oci([](TarBuilder& t) { t.Hardlink("blobs/link", "oci-layout"); }),
       "hard links are not allowed"},
      {"SymlinkEscapes", oci([](TarBuilder& t) { t.Symlink("blobs/s", "../../etc/shadow"); }),
       "points outside the archive"},
      {"SymlinkAbsolute", oci([](TarBuilder& t) { t.Symlink("blobs/s", "/etc/shadow"); }),
       "absolute path"},
      {"CharDevice",
       oci([](TarBuilder& t) { t.Special("dev/null", TarBuilder::Kind::kCharDevice); }),
       "character device"},
      {"Fifo", oci([](TarBuilder& t) { t.Special("fifo", TarBuilder::Kind::kFifo); }), "fifo"},
      {"DuplicateEntry",
       oci([](TarBuilder& t) { t.File(BlobPath(a.config.desc), a.config.bytes); }),
       "duplicate archive entry"},
      {"DuplicateManifestJson",
       only([](TarBuilder& t) { t.File("manifest.json", "[]").File("./manifest.json", "[]"); }),
       "duplicate archive entry"},
      {"DigestMismatch", oci([](TarBuilder& t) {
         t.File("blobs/sha256/" + std::string(Digest::Sha256Of("other").hex()), "not other");
       }),
       "does not match its name"},
      {"DescriptorSizeLies",
       [lying]() {
         TarBuilder tar;
         tar.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
         AddImageBlobs(tar, a);
         tar.File("index.json", GoJsonOciIndex({lying}));
         return tar.Finish();
       },
       "size mismatch"},
      {"MissingLayer",
       [target]() {
         TarBuilder tar;
         tar.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
         tar.File(BlobPath(a.manifest.desc), a.manifest.bytes);
         tar.File(BlobPath(a.config.desc), a.config.bytes);
         tar.File("index.json", GoJsonOciIndex({target}));
         return tar.Finish();
       },
       "is incomplete: missing layer " + a.layers[0].desc.digest.str()},
      {"MissingManifest", oci([](TarBuilder&) {}, /*blobs=*/false),
       "is missing (neither in the archive nor in the store)"},
      {"Truncated",
       [target]() {
         TarBuilder tar;
         tar.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
         tar.File("index.json", GoJsonOciIndex({target}));
         tar.File("big", std::string(100000, 'x'));
         std::string bytes = tar.Finish();
         return bytes.substr(0, bytes.size() - 60000);
       },
       "invalid archive"},
      {"TruncatedGzip",
       [target]() {
         TarBuilder tar;
         AddImageBlobs(tar, a);
         tar.File("index.json", GoJsonOciIndex({target}));
         std::string bytes = tar.Finish(TarCompression::kGzip);
         return bytes.substr(0, bytes.size() / 2);
       },
       "invalid archive"},
      {"EntryTooLarge", oci([](TarBuilder& t) { t.File("junk", std::string(5000, 'j')); }),
       "more than the limit of 4096", [](LoadOptions& o) { o.max_blob_size = 4096; }},
      {"TooManyEntries", oci([](TarBuilder& t) {
         for (int i = 0; i < 10; ++i) t.File("f" + std::to_string(i), "x");
       }),
       "more than 8 entries", [](LoadOptions& o) { o.max_entries = 8; }},
      {"JsonFileTooLarge",
       only([](TarBuilder& t) { t.File("manifest.json", std::string(300, ' ') + "[]"); }),
       "more than the limit of 256", [](LoadOptions& o) { o.max_json_size = 256; }},
      {"EmptyManifestJson", only([](TarBuilder& t) { t.File("manifest.json", "[]"); }),
       "the archive holds no image: manifest.json lists none"},
      {"EmptyIndexJson",
       only([](TarBuilder& t) {
         t.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
         t.File("index.json", "{\"schemaVersion\":2,\"manifests\":[]}");
       }),
       "the archive holds no image: index.json lists none"},
      {"JsonTooDeep", only([deep](TarBuilder& t) { t.File("index.json", deep); }),
       "nesting deeper than 64"},
      {"IndexJsonNotAnObject", only([](TarBuilder& t) { t.File("index.json", "[1,2]"); }),
       "expected a JSON object"},
      {"ManifestJsonNotAnArray",
       only([](TarBuilder& t) { t.File("manifest.json", "{\"Config\":\"x\"}"); }),
       "manifest.json: expected a JSON array"},
      {"ManifestJsonWrongType",
       only([](TarBuilder& t) { t.File("manifest.json", "[{\"Config\":5}]"); }),
       "Config: expected a string"},
      {"DockerConfigMissing", only([](TarBuilder& t) {
         t.File("manifest.json", "[{\"Config\":\"c.json\",\"RepoTags\":[\"x:1\"],\"Layers\":[]}]");
       }),
       "image config \"c.json\" not found"},
      {"DockerLayerMissing", only([](TarBuilder& t) {
         t.File("c.json", "{}");
         t.File("manifest.json",
                "[{\"Config\":\"c.json\",\"RepoTags\":[\"x:1\"],\"Layers\":[\"l/layer.tar\"]}]");
       }),
       "layer \"l/layer.tar\" not found"},
      {"DockerConfigNotAnObject", only([](TarBuilder& t) {
         t.File("c.json", "[]");
         t.File("manifest.json", "[{\"Config\":\"c.json\",\"RepoTags\":null,\"Layers\":[]}]");
       }),
       "expected a JSON object"},
      {"DockerBadRepoTag", only([](TarBuilder& t) {
         t.File("c.json", "{}");
         t.File("manifest.json",
                "[{\"Config\":\"c.json\",\"RepoTags\":[\"UPPER:1\"],\"Layers\":[]}]");
       }),
       "normalize image ref \"UPPER:1\""},
      {"DanglingSymlink", only([](TarBuilder& t) {
         t.File("c.json", "{}");
         t.Symlink("l/layer.tar", "../nowhere/layer.tar");
         t.File("manifest.json",
                "[{\"Config\":\"c.json\",\"RepoTags\":[\"x:1\"],\"Layers\":[\"l/layer.tar\"]}]");
       }),
       "no target for symlink layer"},
      {"BadLayoutVersion",
       only([](TarBuilder& t) { t.File("oci-layout", "{\"imageLayoutVersion\":\"2.0.0\"}"); }),
       "unsupported OCI version 2.0.0"},
      {"LayoutWithoutIndex",
       only([](TarBuilder& t) { t.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"); }),
       "missing index.json"},
      {"Unrecognized", only([](TarBuilder& t) { t.File("hello.txt", "hi"); }),
       "unrecognized image format"},
      {"NotATar", []() { return std::string(5000, 'z'); }, "invalid archive"},
      {"Empty", []() { return std::string(); }, "invalid archive: empty input"},
      {"WrongMediaTypeForBlob",
       [wrong_type]() {
         TarBuilder tar;
         AddImageBlobs(tar, a);
         tar.File("index.json", GoJsonOciIndex({wrong_type.desc}));
         return tar.Finish();
       },
       "expected index but found manifest"},
      {"TargetIsALayer",
       []() {
         TarBuilder tar;
         AddImageBlobs(tar, a);
         tar.File("index.json", GoJsonOciIndex({a.layers[0].desc}));
         return tar.Finish();
       },
       "unsupported media type"},
      {"TooManyLayers", oci([](TarBuilder&) {}), "more than 0 layers",
       [](LoadOptions& o) { o.max_layers = 0; }},
  };
}

TEST_P(LoadTest, HostileInputIsRejectedAndLeavesTheStoreUnchanged) {
  for (const HostileCase& c : HostileCases()) {
    SCOPED_TRACE(c.name);
    TestStore store(GetParam());
    TestImage keep = MakeTestImage("keep", 1);
    ASSERT_TRUE(PutTestImage(*store, keep).ok());
    ASSERT_TRUE(PutRecord(*store, "docker.io/library/keep:1", keep.manifest.desc).ok());
    const auto images_before = ImageMap(*store);
    const auto content_before = ContentDigests(*store);
    auto labels_before = store->content().Info(keep.manifest.desc.digest);
    ASSERT_TRUE(labels_before.ok());

    LoadOptions opts;
    if (c.tweak) c.tweak(opts);
    const std::string bytes = c.archive();
    StringSource src(bytes);
    auto r = LoadArchive(*store, src, opts);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.want));

    EXPECT_EQ(ImageMap(*store), images_before);
    auto labels_after = store->content().Info(keep.manifest.desc.digest);
    ASSERT_TRUE(labels_after.ok());
    EXPECT_EQ(labels_after->labels, labels_before->labels);
    auto leases = store->leases().ListLeases();
    ASSERT_TRUE(leases.ok());
    EXPECT_TRUE(leases->empty());
    // Whatever the failed load wrote is collectable.
    ASSERT_TRUE(store->collector().Collect().ok());
    EXPECT_EQ(ContentDigests(*store), content_before);
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, LoadTest, ::testing::ValuesIn(AllTestStores()), TestStoreName);

}  // namespace
}  // namespace reclaim
