// File: docker/image_json_test.cc
//
// The image shapes byte for byte, per API version, and the list body writer
// against the Json tree it replaces.
#include "docker/image_json.h"

#include <string>
#include <vector>

#include "docker/api_version.h"
#include "gtest/gtest.h"

namespace reclaim {
namespace {

const Digest kId = Digest::Sha256Of("image");
const std::string kIdText = kId.str();
constexpr char kManifestType[] = "application/vnd.oci.image.manifest.v1+json";

std::string DescriptorText() {
  return std::string(R"({"mediaType":")") + kManifestType + R"(","digest":")" + kIdText +
         R"(","size":7})";
}

ImageSummary Summary() {
  ImageSummary s;
  s.id = kId;
  s.created = absl::FromUnixSeconds(1700000000);
  s.size = 10;
  s.containers = 2;
  s.target = Descriptor{kManifestType, kId, 7};
  return s;
}

TEST(ImageSummaryJsonTest, ShapeByVersion) {
  ImageSummary tagged = Summary();
  tagged.repo_tags = {"a:1"};
  tagged.labels = Labels{{"k", "v"}};
  tagged.shared_size = 4;
  const std::string id = R"("Id":")" + kIdText + R"(")";
  struct Case {
    std::string version;
    ImageSummary summary;
    bool in_list;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"1.42", Summary(), false,
       R"({"Containers":2,"Created":1700000000,)" + id +
           R"(,"Labels":null,"ParentId":"","RepoDigests":["<none>@<none>"],)"
           R"("RepoTags":["<none>:<none>"],"SharedSize":-1,"Size":10,"VirtualSize":10})"},
      {"1.43", Summary(), true,
       R"({"Containers":-1,"Created":1700000000,)" + id +
           R"(,"Labels":null,"ParentId":"","RepoDigests":[],"RepoTags":[],"SharedSize":-1,)"
           R"("Size":10,"VirtualSize":10})"},
      {"1.44", Summary(), true,
       R"({"Containers":-1,"Created":1700000000,)" + id +
           R"(,"Labels":null,"ParentId":"","RepoDigests":[],"RepoTags":[],"SharedSize":-1,)"
           R"("Size":10})"},
      {"1.47", tagged, false,
       R"({"Containers":2,"Created":1700000000,)" + id +
           R"(,"Labels":{"k":"v"},"ParentId":"","RepoDigests":[],"RepoTags":["a:1"],)"
           R"("SharedSize":4,"Size":10})"},
      {"1.48", Summary(), true,
       R"({"Containers":-1,"Created":1700000000,)" + id + R"(,"Labels":null,"ParentId":"",)" +
           R"("Descriptor":)" + DescriptorText() +
           R"(,"RepoDigests":[],"RepoTags":[],"SharedSize":-1,"Size":10})"},
      {"1.41", tagged, true,
       R"({"Containers":-1,"Created":1700000000,)" + id +
           R"(,"Labels":{"k":"v"},"ParentId":"","RepoDigests":[],"RepoTags":["a:1"],)"
           R"("SharedSize":4,"Size":10,"VirtualSize":10})"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.version);
    EXPECT_EQ(EncodeJsonCompact(ImageSummaryJson(c.summary, c.version, c.in_list)), c.want);
  }
}

// The nlohmann path: what DockerApi sent for a list before the direct writer.
std::string TreeBody(const std::vector<ImageSummary>& list, const std::string& version) {
  Json out = Json::array();
  for (const ImageSummary& s : list) out.push_back(ImageSummaryJson(s, version, true));
  return EncodeJson(out);
}

TEST(ImageListBodyTest, SameBytesAsTheJsonTree) {
  ImageSummary plain;
  plain.id = Digest::Sha256Of("plain");
  plain.repo_tags = {"alpine:3", "ghcr.io/o/r:1"};
  plain.repo_digests = {"alpine@" + plain.id.str()};
  plain.created = absl::FromUnixSeconds(1700000000);
  plain.size = 123456789012;
  plain.labels = Labels{{"a", "1"}, {"b", ""}};
  plain.target = Descriptor{"application/vnd.oci.image.index.v1+json", plain.id, 1234};
  plain.target.annotations = {{"org.opencontainers.image.ref.name", "3"}};
  plain.target.platform = Platform{"arm64", "linux", "v8", "", {}};

  ImageSummary dangling;
  dangling.id = Digest::Sha256Of("dangling");
  dangling.created = absl::FromUnixSeconds(-5);  // before 1970
  dangling.target = Descriptor{kManifestType, dangling.id, 7};

  ImageSummary tricky;  // strings that need escaping, in every string field
  tricky.id = Digest::Sha256Of("tricky");
  tricky.parent_id = "p\"q\\r";
  tricky.repo_tags = {"a<b>&c:1",
                      std::string("ctl\x01\x1f\t\n:2"),
                      "\xc3\xa9t\xc3\xa9:3",
                      "line\xe2\x80\xa8sep\xe2\x80\xa9:4",
                      std::string("bad\xff\xfeutf8:5"),
                      "del\x7f:6"};
  tricky.labels = Labels{{"k\"ey", "v\\al"}, {"\xe2\x80\xa8", "<&>"}, {"", ""}};
  tricky.shared_size = 42;
  tricky.size = 0;
  tricky.containers = 3;  // not shown in a list (-1)
  tricky.target = Descriptor{kManifestType, tricky.id, 99};
  tricky.target.annotations = {{"note", "<a href=\"x\">&\xc3\xa9\xe2\x80\xa8"}};

  ImageSummary empty_labels;
  empty_labels.id = Digest::Sha256Of("empty");
  empty_labels.labels = Labels{};
  empty_labels.repo_digests = {"x@" + empty_labels.id.str()};
  empty_labels.target =
      Descriptor{"application/vnd.docker.distribution.manifest.v2+json", empty_labels.id, 1};

  const std::vector<std::vector<ImageSummary>> lists = {
      {}, {plain}, {plain, dangling, tricky, empty_labels}};
  for (const std::string version :
       {"1.24", "1.41", "1.42", "1.43", "1.44", "1.47", "1.48", "1.50"}) {
    for (const std::vector<ImageSummary>& list : lists) {
      SCOPED_TRACE(version + " with " + std::to_string(list.size()) + " rows");
      const std::string want = TreeBody(list, version);
      EXPECT_EQ(ImageListBody(list, version), want);
      // And it is valid JSON with one row per summary.
      Json parsed = Json::parse(want);
      EXPECT_EQ(parsed.size(), list.size());
    }
  }
}

TEST(ImageInspectJsonTest, ShapeByVersion) {
  ImageInspect full;
  full.id = kId;
  full.repo_tags = {"a:1"};
  full.repo_digests = {"a@" + kIdText};
  full.comment = "c";
  full.created = absl::FromUnixSeconds(1700000000) + absl::Nanoseconds(5);
  full.author = "me";
  full.config = Json{{"Cmd", Json::array({"/bin/sh"})}};
  full.architecture = "arm64";
  full.variant = "v8";
  full.os = "linux";
  full.size = 42;
  full.graph_driver = "overlayfs";
  full.rootfs_layers = {"sha256:l1"};
  full.last_tag_time = absl::FromUnixSeconds(1700000001);
  full.descriptor = Descriptor{kManifestType, kId, 7};

  ImageInspect bare;  // no tags, no created time, no layers, never tagged
  bare.id = kId;
  bare.architecture = "amd64";
  bare.os = "windows";
  bare.os_version = "10.0";
  bare.descriptor = Descriptor{kManifestType, kId, 7};

  const std::string head =
      R"({"Id":")" + kIdText + R"(","RepoTags":["a:1"],"RepoDigests":["a@)" + kIdText +
      R"("],"Parent":"","Comment":"c","Created":"2023-11-14T22:13:20.000000005Z",)"
      R"("DockerVersion":"","Author":"me","Config":{"Cmd":["/bin/sh"]},)"
      R"("Architecture":"arm64","Variant":"v8","Os":"linux","Size":42,)";
  const std::string tail = R"("GraphDriver":{"Data":null,"Name":"overlayfs"},)"
                           R"("RootFS":{"Type":"layers","Layers":["sha256:l1"]},)"
                           R"("Metadata":{"LastTagTime":"2023-11-14T22:13:21Z"})";
  const std::string bare_text =
      R"({"Id":")" + kIdText +
      R"(","RepoTags":[],"RepoDigests":[],"Parent":"","Comment":"","DockerVersion":"",)"
      R"("Author":"","Config":{},"Architecture":"amd64","Os":"windows","OsVersion":"10.0",)"
      R"("Size":0,"GraphDriver":{"Data":null,"Name":""},"RootFS":{"Type":"layers"},)"
      R"("Metadata":{"LastTagTime":"0001-01-01T00:00:00Z"})";
  struct Case {
    std::string version;
    const ImageInspect* inspect;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"1.43", &full, head + R"("VirtualSize":42,)" + tail + "}"},
      {"1.44", &full, head + tail + "}"},
      {"1.47", &full, head + tail + "}"},
      {"1.48", &full, head + tail + R"(,"Descriptor":)" + DescriptorText() + "}"},
      {std::string(kMaxApiVersion), &full,
       head + tail + R"(,"Descriptor":)" + DescriptorText() + "}"},
      {"1.47", &bare, bare_text + "}"},
      {"1.50", &bare, bare_text + R"(,"Descriptor":)" + DescriptorText() + "}"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.version);
    EXPECT_EQ(EncodeJsonCompact(ImageInspectJson(*c.inspect, c.version)), c.want);
  }
}

TEST(ImageHistoryJsonTest, TagsOnlyOnTheNewestEntry) {
  const std::vector<ImageHistoryItem> items = {
      {"sha256:x", 5, "cmd", {"a:1"}, 3, "c"},
      {"<missing>", 4, "", {}, 0, ""},
  };
  EXPECT_EQ(EncodeJsonCompact(ImageHistoryJson(items)),
            R"([{"Comment":"c","Created":5,"CreatedBy":"cmd","Id":"sha256:x","Size":3,)"
            R"("Tags":["a:1"]},{"Comment":"","Created":4,"CreatedBy":"","Id":"<missing>",)"
            R"("Size":0,"Tags":null}])");
  EXPECT_EQ(EncodeJsonCompact(ImageHistoryJson({})), "[]");
}

TEST(ImageDeleteResponseJsonTest, OmitsEmptyFields) {
  struct Case {
    std::vector<ReportItem> items;
    std::string want;
  };
  const std::vector<Case> cases = {
      {{}, "[]"},
      {{ReportItem::Untagged("a:1"), ReportItem::Deleted(kIdText)},
       R"([{"Untagged":"a:1"},{"Deleted":")" + kIdText + R"("}])"},
      {{ReportItem{"u", "d"}, ReportItem{"", ""}}, R"([{"Deleted":"d","Untagged":"u"},{}])"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(EncodeJsonCompact(ImageDeleteResponseJson(c.items)), c.want);
  }
}

}  // namespace
}  // namespace reclaim
