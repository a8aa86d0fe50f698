#include "imageio/go_json.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/digest.h"
#include "core/media_types.h"
#include "gtest/gtest.h"

namespace reclaim {
namespace {

TEST(GoJsonStringTest, EscapesLikeEncodingJson) {
  struct Case {
    std::string in;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"", "\"\""},
      {"plain text", "\"plain text\""},
      {"a\"b\\c", "\"a\\\"b\\\\c\""},
      {"<&>", "\"\\u003c\\u0026\\u003e\""},
      {"\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\""},
      {std::string("\x01\x1f\x7f", 3), "\"\\u0001\\u001f\x7f\""},
      {std::string("nul\0x", 5), "\"nul\\u0000x\""},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3",
       "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3\""},
      {"\xe2\x80\xa8\xe2\x80\xa9", "\"\\u2028\\u2029\""},
      {"bad\xff", "\"bad\\ufffd\""},
      {"\xc0\xaf", "\"\\ufffd\\ufffd\""},             // overlong
      {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},  // surrogate
      {"\xe2\x82", "\"\\ufffd\\ufffd\""},             // truncated
  };
  for (const Case& c : cases) {
    EXPECT_EQ(GoJsonString(c.in), c.want) << c.in;
  }
}

Descriptor D(std::string_view mt, std::string_view seed, int64_t size) {
  Descriptor d;
  d.media_type = std::string(mt);
  d.digest = Digest::Sha256Of(seed);
  d.size = size;
  return d;
}

TEST(GoJsonDescriptorTest, FieldOrderAndOmitEmpty) {
  Descriptor d = D("application/x", "a", 3);
  const std::string h = d.digest.str();
  EXPECT_EQ(GoJsonDescriptor(d),
            "{\"mediaType\":\"application/x\",\"digest\":\"" + h + "\",\"size\":3}");
  d.urls = {"https://u"};
  d.annotations = {{"z", "1"}, {"a", "2"}};
  d.platform = Platform{"arm", "linux", "v7", "", {"f"}};
  d.artifact_type = "t";
  EXPECT_EQ(GoJsonDescriptor(d),
            "{\"mediaType\":\"application/x\",\"digest\":\"" + h +
                "\",\"size\":3,\"urls\":[\"https://u\"],\"annotations\":{\"a\":\"2\",\"z\":\"1\"},"
                "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"os.features\":[\"f\"],"
                "\"variant\":\"v7\"},\"artifactType\":\"t\"}");
}

TEST(GoJsonDocumentTest, ContainerdShapes) {
  const Descriptor cfg = D(media_types::kDockerConfig, "c", 10);
  const Descriptor l0 = D(media_types::kDockerLayer, "l0", 20);
  const std::string c = cfg.digest.str(), l = l0.digest.str();
  EXPECT_EQ(
      GoJsonDockerManifest(cfg, {l0}),
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
      "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"" +
          c +
          "\",\"size\":10},\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs."
          "diff.tar\",\"digest\":\"" +
          l + "\",\"size\":20}]}");
  const std::string empty = GoJsonDockerManifest(cfg, {});
  EXPECT_EQ(empty.substr(empty.size() - 13), ",\"layers\":[]}");
  EXPECT_EQ(GoJsonOciIndex({}), "{\"schemaVersion\":2,\"manifests\":[]}");
  EXPECT_EQ(GoJsonDockerManifestList({{"blobs/sha256/x", {}, {}}, {"c", {"a:1"}, {"l"}}}),
            "[{\"Config\":\"blobs/sha256/x\",\"RepoTags\":null,\"Layers\":null},"
            "{\"Config\":\"c\",\"RepoTags\":[\"a:1\"],\"Layers\":[\"l\"]}]");
  // Everything we emit is valid JSON.
  const auto parsed =
      nlohmann::json::parse(GoJsonOciManifest(cfg, {l0}, {{"k", "<v>"}}), nullptr, false);
  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(parsed["annotations"]["k"], "<v>");
}

}  // namespace
}  // namespace reclaim
