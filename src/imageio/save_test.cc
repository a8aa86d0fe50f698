#include "imageio/save.h"

#include <archive_entry.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/digest.h"
#include "core/media_types.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "imageio/archive_stream.h"
#include "imageio/go_json.h"
#include "imageio/load.h"
#include "imageio/names.h"
#include "imageio/testing/image_builder.h"
#include "imageio/testing/tar_builder.h"
#include "imageio/testing/test_stores.h"
#include "imageio/walk.h"

namespace reclaim {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

struct TarEntry {
  std::string name;
  bool dir = false;
  std::string data;
};

std::vector<TarEntry> ReadTar(const std::string& bytes) {
  std::vector<TarEntry> out;
  StringSource src(bytes);
  auto r = ArchiveReader::OpenTar(src);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return out;
  while (true) {
    auto more = (*r)->Next();
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    TarEntry e;
    e.name = archive_entry_pathname((*r)->entry());
    e.dir = archive_entry_filetype((*r)->entry()) == AE_IFDIR;
    char buf[4096];
    while (true) {
      auto n = (*r)->ReadData(buf, sizeof buf);
      EXPECT_TRUE(n.ok());
      if (!n.ok() || *n == 0) break;
      e.data.append(buf, *n);
    }
    out.push_back(std::move(e));
  }
  return out;
}

const TarEntry* Find(const std::vector<TarEntry>& entries, const std::string& name) {
  for (const TarEntry& e : entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::string BlobPath(const Digest& d) { return "blobs/sha256/" + std::string(d.hex()); }

std::vector<std::string> BlobSet(Store& store, const Descriptor& target) {
  std::vector<std::string> out;
  auto blobs = PresentBlobs(store, target);
  EXPECT_TRUE(blobs.ok()) << blobs.status();
  if (blobs.ok()) {
    for (const ContentInfo& i : *blobs) out.push_back(i.digest.str());
  }
  return out;
}

class SaveTest : public ::testing::TestWithParam<TestStoreKind> {
 protected:
  // app:1 (manifest), shared:1 (shares app's first layer), multi:2 (index:
  // arm64 complete, amd64 complete, s390x manifest without layers, ppc64le
  // absent), and a dangling record.
  void SetUpImages(Store& s) {
    app_ = MakeTestImage("app", 2);
    shared_ = MakeTestImage("shared", 1);
    shared_.layers.push_back(app_.layers[0]);
    {
      std::vector<Descriptor> layers;
      for (const TestBlob& l : shared_.layers) layers.push_back(l.desc);
      shared_.manifest =
          MakeTestBlob(GoJsonOciManifest(shared_.config.desc, layers), media_types::kOciManifest);
    }
    arm_ = MakeTestImage("m-arm", 1, "arm64");
    amd_ = MakeTestImage("m-amd", 1, "amd64");
    s390_ = MakeTestImage("m-s390", 1, "s390x");
    ppc_ = MakeTestImage("m-ppc", 1, "ppc64le");
    multi_ = MakeTestIndex({arm_, amd_, s390_, ppc_});
    dangling_ = MakeTestImage("dangling", 1);
    ASSERT_TRUE(PutTestImage(s, app_).ok());
    ASSERT_TRUE(PutTestImage(s, shared_).ok());
    ASSERT_TRUE(PutTestImage(s, arm_).ok());
    ASSERT_TRUE(PutTestImage(s, amd_).ok());
    ASSERT_TRUE(PutTestBlob(s, s390_.manifest).ok());
    ASSERT_TRUE(PutTestBlob(s, multi_.index).ok());
    ASSERT_TRUE(PutTestImage(s, dangling_).ok());
    ASSERT_TRUE(PutRecord(s, "docker.io/library/app:1", app_.manifest.desc).ok());
    ASSERT_TRUE(PutRecord(s, "docker.io/library/shared:1", shared_.manifest.desc).ok());
    ASSERT_TRUE(PutRecord(s, "docker.io/library/multi:2", multi_.index.desc).ok());
    ASSERT_TRUE(
        PutRecord(s, DanglingImageName(dangling_.manifest.desc.digest), dangling_.manifest.desc)
            .ok());
  }

  TestImage app_, shared_, arm_, amd_, s390_, ppc_, dangling_;
  TestIndex multi_;
};

TEST_P(SaveTest, RoundTripKeepsNamesDigestsAndPresentBlobs) {
  TestStore a(GetParam());
  SetUpImages(*a);
  std::string tar;
  StringSink sink(&tar);
  auto saved = SaveImages(
      *a, {"app:1", "docker.io/library/multi:2", "shared:1", dangling_.manifest.desc.digest.str()},
      sink);
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->bytes_written, static_cast<int64_t>(tar.size()));
  ASSERT_EQ(saved->images.size(), 4u);
  EXPECT_EQ(saved->images[3].name, "");

  TestStore b(GetParam());
  StringSource src(tar);
  auto loaded = LoadArchive(*b, src);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  std::map<std::string, Descriptor> got;
  for (const LoadedImage& li : loaded->images) got[li.name] = li.target;
  ASSERT_EQ(got.size(), 4u);
  const std::map<std::string, const Descriptor*> want = {
      {"docker.io/library/app:1", &app_.manifest.desc},
      {"docker.io/library/multi:2", &multi_.index.desc},
      {"docker.io/library/shared:1", &shared_.manifest.desc},
      {DanglingImageName(dangling_.manifest.desc.digest), &dangling_.manifest.desc},
  };
  for (const auto& [name, desc] : want) {
    SCOPED_TRACE(name);
    ASSERT_EQ(got.count(name), 1u);
    EXPECT_EQ(got[name].digest, desc->digest);
    EXPECT_EQ(BlobSet(*b, got[name]), BlobSet(*a, *desc));
  }
  // s390x's manifest travelled, its layers did not exist; ppc64le did not exist.
  EXPECT_TRUE(b->content().Info(s390_.manifest.desc.digest).ok());
  EXPECT_FALSE(b->content().Info(s390_.layers[0].desc.digest).ok());
  EXPECT_FALSE(b->content().Info(ppc_.manifest.desc.digest).ok());
}

TEST_P(SaveTest, LayoutIsSortedDeterministicAndWritesSharedBlobsOnce) {
  TestStore s(GetParam());
  SetUpImages(*s);
  std::string first, second;
  StringSink sink1(&first), sink2(&second);
  ASSERT_TRUE(SaveImages(*s, {"app:1", "shared:1"}, sink1).ok());
  ASSERT_TRUE(SaveImages(*s, {"app:1", "shared:1"}, sink2).ok());
  EXPECT_EQ(first, second);

  std::vector<TarEntry> entries = ReadTar(first);
  std::vector<std::string> names;
  for (const TarEntry& e : entries) names.push_back(e.name);
  std::vector<std::string> blobs;
  for (const TestBlob* b : {&app_.manifest, &app_.config, &app_.layers[0], &app_.layers[1],
                            &shared_.manifest, &shared_.config, &shared_.layers[0]}) {
    blobs.push_back(BlobPath(b->desc.digest));
  }
  std::sort(blobs.begin(), blobs.end());
  std::vector<std::string> want = {"blobs/", "blobs/sha256/"};
  want.insert(want.end(), blobs.begin(), blobs.end());
  want.insert(want.end(), {"index.json", "manifest.json", "oci-layout"});
  EXPECT_THAT(names, ElementsAreArray(want));  // the shared layer once

  EXPECT_EQ(Find(entries, "oci-layout")->data, "{\"imageLayoutVersion\":\"1.0.0\"}");
  const std::string mj = Find(entries, "manifest.json")->data;
  std::vector<std::string> app_layers = {BlobPath(app_.layers[0].desc.digest),
                                         BlobPath(app_.layers[1].desc.digest)};
  std::vector<std::string> shared_layers = {BlobPath(shared_.layers[0].desc.digest),
                                            BlobPath(shared_.layers[1].desc.digest)};
  EXPECT_EQ(mj, GoJsonDockerManifestList(
                    {{BlobPath(app_.config.desc.digest), {"app:1"}, app_layers},
                     {BlobPath(shared_.config.desc.digest), {"shared:1"}, shared_layers}}));
  auto index = ParseIndex(Find(entries, "index.json")->data);
  ASSERT_TRUE(index.ok());
  ASSERT_EQ(index->manifests.size(), 2u);
  EXPECT_EQ(index->manifests[0].annotations.at(std::string(kAnnotationImageName)),
            "docker.io/library/app:1");
  EXPECT_EQ(index->manifests[0].annotations.at(std::string(kAnnotationRefName)), "1");
  EXPECT_EQ(index->manifests[0].digest, app_.manifest.desc.digest);
  // Blob bytes are the stored bytes.
  EXPECT_EQ(Find(entries, BlobPath(app_.config.desc.digest))->data, app_.config.bytes);
}

TEST_P(SaveTest, IndexTargetShowsTheHostPlatformInManifestJson) {
  TestStore s(GetParam());
  SetUpImages(*s);
  std::string tar;
  StringSink sink(&tar);
  ASSERT_TRUE(SaveImages(*s, {"multi:2"}, sink).ok());
  std::vector<TarEntry> entries = ReadTar(tar);
  auto mj = nlohmann::json::parse(Find(entries, "manifest.json")->data);
  ASSERT_EQ(mj.size(), 1u);
  EXPECT_EQ(mj[0]["Config"], BlobPath(amd_.config.desc.digest));
  EXPECT_EQ(mj[0]["RepoTags"], nlohmann::json::array({"multi:2"}));
  EXPECT_NE(Find(entries, BlobPath(arm_.layers[0].desc.digest)), nullptr);
  EXPECT_NE(Find(entries, BlobPath(s390_.manifest.desc.digest)), nullptr);
  EXPECT_EQ(Find(entries, BlobPath(ppc_.manifest.desc.digest)), nullptr);

  SaveOptions arm;
  arm.platform = Platform{"arm64", "linux", "", "", {}};
  tar.clear();
  ASSERT_TRUE(SaveImages(*s, {"multi:2"}, sink, arm).ok());
  mj = nlohmann::json::parse(Find(ReadTar(tar), "manifest.json")->data);
  EXPECT_EQ(mj[0]["Config"], BlobPath(arm_.config.desc.digest));
}

TEST_P(SaveTest, ManifestJsonAloneLoadsThroughTheDockerPath) {
  TestStore s(GetParam());
  SetUpImages(*s);
  std::string tar;
  StringSink sink(&tar);
  ASSERT_TRUE(SaveImages(*s, {"app:1"}, sink).ok());
  TarBuilder legacy;
  for (const TarEntry& e : ReadTar(tar)) {
    if (e.name == "index.json" || e.name == "oci-layout" || e.dir) continue;
    legacy.File(e.name, e.data);
  }
  TestStore b(GetParam());
  StringSource src(legacy.Finish());
  auto loaded = LoadArchive(*b, src);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->format, ArchiveFormat::kDockerArchive);
  ASSERT_EQ(loaded->images.size(), 1u);
  EXPECT_EQ(loaded->images[0].name, "docker.io/library/app:1");
  auto m = b->content().ReadBlob(loaded->images[0].target.digest, 1 << 20);
  ASSERT_TRUE(m.ok());
  auto parsed = ParseManifest(*m);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->config.digest, app_.config.desc.digest);
  ASSERT_EQ(parsed->layers.size(), 2u);
  EXPECT_EQ(parsed->layers[1].digest, app_.layers[1].desc.digest);
}

TEST_P(SaveTest, ErrorsBeforeWritingAnything) {
  TestStore s(GetParam());
  SetUpImages(*s);
  TestImage broken = MakeTestImage("broken", 1);
  ASSERT_TRUE(PutTestBlob(*s, broken.manifest).ok());
  ASSERT_TRUE(PutTestBlob(*s, broken.config).ok());
  ASSERT_TRUE(PutRecord(*s, "docker.io/library/broken:1", broken.manifest.desc).ok());
  struct Case {
    std::vector<std::string> names;
    absl::StatusCode code;
    std::string want;
  };
  std::vector<Case> cases = {
      {{"app:1", "nope"}, absl::StatusCode::kNotFound, "No such image: nope"},
      {{"broken:1"},
       absl::StatusCode::kNotFound,
       "content " + broken.layers[0].desc.digest.str() + " is missing"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.want);
    std::string tar;
    StringSink sink(&tar);
    auto r = SaveImages(*s, c.names, sink);
    EXPECT_EQ(r.status().code(), c.code) << r.status();
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.want));
    EXPECT_TRUE(tar.empty());
  }
}

TEST_P(SaveTest, SinkErrorsPassThrough) {
  TestStore s(GetParam());
  SetUpImages(*s);
  FunctionSink sink([](std::string_view) { return absl::DataLossError("pipe closed"); });
  auto r = SaveImages(*s, {"app:1"}, sink);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("pipe closed"));
}

INSTANTIATE_TEST_SUITE_P(Stores, SaveTest, ::testing::ValuesIn(AllTestStores()), TestStoreName);

}  // namespace
}  // namespace reclaim
