#include "core/descriptor.h"

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/media_types.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace reclaim {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
namespace mt = media_types;

const std::string kD1 = Digest::Sha256Of("one").str();
const std::string kD2 = Digest::Sha256Of("two").str();
const std::string kD3 = Digest::Sha256Of("three").str();

json Desc(std::string_view media_type, const std::string& digest, int64_t size) {
  return json{{"mediaType", media_type}, {"digest", digest}, {"size", size}};
}

Descriptor MakeDesc(std::string_view media_type, std::string_view payload) {
  Descriptor d;
  d.media_type = std::string(media_type);
  d.digest = Digest::Sha256Of(payload);
  d.size = static_cast<int64_t>(payload.size());
  return d;
}

std::vector<std::string> Digests(const std::vector<Descriptor>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(d.digest.str());
  return out;
}

TEST(DescriptorTest, ParsesEveryField) {
  const json j = json::parse(R"({
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": ")" + kD1 + R"(",
    "size": 527,
    "annotations": {"org.opencontainers.image.ref.name": "latest"},
    "urls": ["https://example.com/a"],
    "artifactType": "application/vnd.example+type",
    "platform": {"architecture": "arm64", "os": "linux", "variant": "v8",
                 "os.version": "10.0.1", "os.features": ["win32k"]},
    "unknownField": [1, 2, 3]
  })");
  auto d = DescriptorFromJson(j);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->media_type, mt::kOciManifest);
  EXPECT_EQ(d->digest.str(), kD1);
  EXPECT_EQ(d->size, 527);
  EXPECT_EQ(d->annotations.at("org.opencontainers.image.ref.name"), "latest");
  EXPECT_EQ(d->urls, std::vector<std::string>{"https://example.com/a"});
  EXPECT_EQ(d->artifact_type, "application/vnd.example+type");
  ASSERT_TRUE(d->platform.has_value());
  EXPECT_EQ(d->platform->architecture, "arm64");
  EXPECT_EQ(d->platform->os, "linux");
  EXPECT_EQ(d->platform->variant, "v8");
  EXPECT_EQ(d->platform->os_version, "10.0.1");
  EXPECT_EQ(d->platform->os_features, std::vector<std::string>{"win32k"});
}

TEST(DescriptorTest, RoundTrips) {
  Descriptor full = MakeDesc(mt::kDockerManifest, "x");
  full.annotations = {{"a", "1"}, {"b", ""}};
  full.urls = {"u1", "u2"};
  full.artifact_type = "application/vnd.foo";
  full.platform = Platform{"amd64", "linux", "v3", "1.2", {"f1", "f2"}};
  Descriptor minimal = MakeDesc("", "");
  Descriptor empty_platform = MakeDesc(mt::kOciLayerGzip, "layer");
  empty_platform.platform = Platform{};
  for (const Descriptor& d : {full, minimal, empty_platform}) {
    const json j = DescriptorToJson(d);
    auto back = DescriptorFromJson(json::parse(j.dump()));
    ASSERT_TRUE(back.ok()) << back.status() << " for " << j.dump();
    EXPECT_EQ(*back, d) << j.dump();
  }
}

TEST(DescriptorTest, ToJsonOmitsEmptyOptionalFields) {
  const json j = DescriptorToJson(MakeDesc(mt::kOciConfig, "c"));
  EXPECT_EQ(j.size(), 3u) << j.dump();
  EXPECT_EQ(j.at("mediaType"), mt::kOciConfig);
  EXPECT_EQ(j.at("digest"), Digest::Sha256Of("c").str());
  EXPECT_EQ(j.at("size"), 1);

  Descriptor with_platform = MakeDesc(mt::kOciManifest, "m");
  with_platform.platform = Platform{"amd64", "linux", "", "", {}};
  const json pj = DescriptorToJson(with_platform).at("platform");
  EXPECT_EQ(pj, (json{{"architecture", "amd64"}, {"os", "linux"}}));
}

TEST(DescriptorTest, GoLeniency) {
  // Null means absent; keys match case-insensitively when no exact key exists.
  auto d = DescriptorFromJson(json{{"MediaType", "x"},
                                   {"DIGEST", kD2},
                                   {"Size", 9},
                                   {"annotations", nullptr},
                                   {"platform", nullptr},
                                   {"urls", nullptr}});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->media_type, "x");
  EXPECT_EQ(d->digest.str(), kD2);
  EXPECT_EQ(d->size, 9);
  EXPECT_FALSE(d->platform.has_value());
  // The exact key wins over a case-folded one.
  auto exact =
      DescriptorFromJson(json{{"mediaType", "exact"}, {"MEDIATYPE", "folded"}, {"digest", kD1}});
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ(exact->media_type, "exact");
  // A missing size is 0, as in Go.
  auto no_size = DescriptorFromJson(json{{"digest", kD1}});
  ASSERT_TRUE(no_size.ok()) << no_size.status();
  EXPECT_EQ(no_size->size, 0);
}

TEST(DescriptorTest, NullNeverHidesAnotherSpelling) {
  // Go: null has no effect on a string or number field, so the value another
  // spelling of the key carries stays, whatever the document order.
  auto d = DescriptorFromJson(json{{"digest", nullptr},
                                   {"Digest", kD2},
                                   {"mediaType", nullptr},
                                   {"MediaType", "x"},
                                   {"size", nullptr},
                                   {"SIZE", 7},
                                   {"platform", {{"os", nullptr}, {"OS", "linux"}}}});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->digest.str(), kD2);
  EXPECT_EQ(d->media_type, "x");
  EXPECT_EQ(d->size, 7);
  ASSERT_TRUE(d->platform.has_value());
  EXPECT_EQ(d->platform->os, "linux");
}

struct BadDescriptorCase {
  std::string name;
  json input;
  std::string error;
};

TEST(DescriptorTest, RejectsInvalid) {
  const BadDescriptorCase cases[] = {
      {"not an object", json::array(), "descriptor: expected an object, got array"},
      {"missing digest", json{{"mediaType", "x"}, {"size", 1}}, "digest: missing"},
      {"null digest", json{{"digest", nullptr}}, "digest: missing"},
      {"numeric digest", json{{"digest", 5}}, "digest: expected a string, got number"},
      {"bad digest", json{{"digest", "sha256:abc"}},
       "digest: \"sha256:abc\": invalid checksum digest length"},
      {"empty digest", json{{"digest", ""}}, "digest: \"\": invalid checksum digest format"},
      {"negative size", json{{"digest", kD1}, {"size", -1}}, "size: negative: -1"},
      {"float size", json{{"digest", kD1}, {"size", 1.5}},
       "size: expected a non-negative integer, got number"},
      {"string size", json{{"digest", kD1}, {"size", "12"}},
       "size: expected a non-negative integer, got string"},
      {"huge size", json{{"digest", kD1}, {"size", 18446744073709551615ull}},
       "size: out of range: 18446744073709551615"},
      {"mediaType type", json{{"digest", kD1}, {"mediaType", true}},
       "mediaType: expected a string, got boolean"},
      {"annotation value", json{{"digest", kD1}, {"annotations", {{"k", 1}}}},
       "annotations[\"k\"]: expected a string, got number"},
      {"annotations array", json{{"digest", kD1}, {"annotations", json::array()}},
       "annotations: expected an object of strings, got array"},
      {"urls string", json{{"digest", kD1}, {"urls", "u"}},
       "urls: expected an array of strings, got string"},
      {"platform array", json{{"digest", kD1}, {"platform", json::array()}},
       "platform: expected an object, got array"},
      {"platform os", json{{"digest", kD1}, {"platform", {{"os", 1}}}},
       "platform.os: expected a string, got number"},
      {"os.features", json{{"digest", kD1}, {"platform", {{"os.features", {1}}}}},
       "platform.os.features: expected an array of strings, got array"},
  };
  for (const auto& c : cases) {
    auto d = DescriptorFromJson(c.input);
    ASSERT_FALSE(d.ok()) << c.name;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(d.status().message(), c.error) << c.name;
  }
}

TEST(ParseJsonTest, DepthLimit) {
  auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_TRUE(ParseJson(nested(kMaxJsonDepth)).ok());
  auto too_deep = ParseJson(nested(kMaxJsonDepth + 1));
  ASSERT_FALSE(too_deep.ok());
  EXPECT_EQ(too_deep.status().message(), "invalid JSON: nesting deeper than 64 levels");
  // A hostile megabyte of brackets is refused without recursion.
  EXPECT_FALSE(ParseJson(std::string(1 << 20, '[')).ok());
  EXPECT_FALSE(ParseJson(std::string(1 << 20, '{')).ok());
  // Brackets inside strings, including after escaped quotes, do not count.
  const std::string in_string = "{\"a\":\"\\\"" + std::string(200, '[') + "\"}";
  auto ok = ParseJson(in_string);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->at("a").get<std::string>().size(), 201u);
  // A custom limit applies.
  EXPECT_FALSE(ParseJson("[[1]]", 1).ok());
  EXPECT_TRUE(ParseJson("[[1]]", 2).ok());
}

TEST(ParseJsonTest, InvalidJsonIsAnErrorNotAnException) {
  const std::string cases[] = {"", "{", "{\"a\":}", "nul", "{} {}", "[1,]", "\"\xff\""};
  for (const auto& c : cases) {
    auto j = ParseJson(c);
    ASSERT_FALSE(j.ok()) << c;
    EXPECT_EQ(j.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(j.status().message()), HasSubstr("invalid JSON: ")) << c;
    EXPECT_THAT(std::string(j.status().message()), ::testing::Not(HasSubstr("[json.exception")));
  }
}

std::string ManifestBody(std::string_view media_type = mt::kOciManifest) {
  json m = {{"schemaVersion", 2},
            {"config", Desc(mt::kOciConfig, kD1, 10)},
            {"layers", {Desc(mt::kOciLayerGzip, kD2, 20), Desc(mt::kOciLayerGzip, kD3, 30)}},
            {"annotations", {{"k", "v"}}}};
  if (!media_type.empty()) m["mediaType"] = media_type;
  return m.dump();
}

std::string IndexBody(std::string_view media_type = mt::kOciIndex) {
  json i = {{"schemaVersion", 2},
            {"manifests",
             {Desc(mt::kOciManifest, kD3, 3), Desc(mt::kOciManifest, kD1, 1),
              Desc(mt::kOciManifest, kD3, 3)}}};
  if (!media_type.empty()) i["mediaType"] = media_type;
  return i.dump();
}

TEST(ParseManifestTest, Valid) {
  auto m = ParseManifest(ManifestBody());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->media_type, mt::kOciManifest);
  EXPECT_EQ(m->config.digest.str(), kD1);
  EXPECT_EQ(m->config.size, 10);
  EXPECT_EQ(Digests(m->layers), (std::vector<std::string>{kD2, kD3}));
  EXPECT_EQ(m->annotations.at("k"), "v");
  EXPECT_FALSE(m->subject.has_value());

  auto no_type = ParseManifest(ManifestBody(""));
  ASSERT_TRUE(no_type.ok()) << no_type.status();
  EXPECT_EQ(no_type->media_type, "");
}

TEST(ParseManifestTest, Subject) {
  json m = json::parse(ManifestBody());
  m["subject"] = Desc(mt::kOciManifest, kD2, 5);
  m["artifactType"] = "application/vnd.example";
  auto parsed = ParseManifest(m.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_TRUE(parsed->subject.has_value());
  EXPECT_EQ(parsed->subject->digest.str(), kD2);
  EXPECT_EQ(parsed->artifact_type, "application/vnd.example");
}

struct BadBodyCase {
  std::string name;
  std::string body;
  std::string error;
};

TEST(ParseManifestTest, Invalid) {
  json bad_layer = json::parse(ManifestBody());
  bad_layer["layers"][1]["digest"] = "sha256:nothex";
  json no_config = json::parse(ManifestBody());
  no_config.erase("config");
  json layers_object = json::parse(ManifestBody());
  layers_object["layers"] = json::object();
  json schema_string = json::parse(ManifestBody());
  schema_string["schemaVersion"] = "2";
  json negative_config = json::parse(ManifestBody());
  negative_config["config"]["size"] = -5;
  const BadBodyCase cases[] = {
      {"array", "[]", "manifest: expected a JSON object, got array"},
      {"null", "null", "config: missing"},
      {"no config", no_config.dump(), "config: missing"},
      {"bad layer digest", bad_layer.dump(),
       "layers[1].digest: \"sha256:nothex\": invalid checksum digest length"},
      {"layers object", layers_object.dump(),
       "layers: expected an array of descriptors, got object"},
      {"schemaVersion", schema_string.dump(), "schemaVersion: expected an integer, got string"},
      {"negative config size", negative_config.dump(), "config.size: negative: -5"},
  };
  for (const auto& c : cases) {
    auto m = ParseManifest(c.body);
    ASSERT_FALSE(m.ok()) << c.name;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(m.status().message(), c.error) << c.name;
  }
}

TEST(ParseIndexTest, ValidAndInvalid) {
  auto i = ParseIndex(IndexBody());
  ASSERT_TRUE(i.ok()) << i.status();
  EXPECT_EQ(i->media_type, mt::kOciIndex);
  EXPECT_EQ(Digests(i->manifests), (std::vector<std::string>{kD3, kD1, kD3}));

  auto empty = ParseIndex("null");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->manifests.empty());

  json bad = json::parse(IndexBody());
  bad["manifests"][0].erase("digest");
  auto b = ParseIndex(bad.dump());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "manifests[0].digest: missing");
}

struct ChildrenCase {
  std::string name;
  std::string media_type;
  std::string body;
  std::vector<std::string> want;  // digests, when ok
  std::string error;              // non-empty: expected error message
};

TEST(ChildrenTest, Table) {
  json manifest_with_manifests = json::parse(ManifestBody());
  manifest_with_manifests["manifests"] = nullptr;  // presence alone counts
  json index_with_layers = json::parse(IndexBody());
  index_with_layers["layers"] = json::array();
  json index_with_config = json::parse(IndexBody());
  index_with_config["Config"] = nullptr;  // case-folded key
  json schema1 = json::parse(ManifestBody(""));
  schema1["fsLayers"] = json::array();
  json type_number = json::parse(ManifestBody());
  type_number["mediaType"] = 2;
  const std::string deep = "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
  const std::string d = Digest::Sha256Of("parent").str();
  const std::string prefix = "children: invalid desc " + d + ": ";

  const std::vector<ChildrenCase> cases = {
      {"oci manifest", std::string(mt::kOciManifest), ManifestBody(), {kD1, kD2, kD3}, ""},
      {"docker manifest, no body type",
       std::string(mt::kDockerManifest),
       ManifestBody(""),
       {kD1, kD2, kD3},
       ""},
      {"docker manifest behind oci body type",
       std::string(mt::kDockerManifest),
       ManifestBody(),
       {kD1, kD2, kD3},
       ""},
      {"oci index keeps duplicates and order",
       std::string(mt::kOciIndex),
       IndexBody(),
       {kD3, kD1, kD3},
       ""},
      {"docker list",
       std::string(mt::kDockerManifestList),
       IndexBody(mt::kDockerManifestList),
       {kD3, kD1, kD3},
       ""},
      {"index null body", std::string(mt::kOciIndex), "null", {}, ""},
      {"layer: body ignored", std::string(mt::kOciLayerGzip), "\x1f\x8b garbage", {}, ""},
      {"config: body ignored", std::string(mt::kDockerConfig), ManifestBody(), {}, ""},
      {"in-toto", std::string(mt::kInToto), IndexBody(), {}, ""},
      {"schema1 not expanded", std::string(mt::kDockerSchema1Manifest), schema1.dump(), {}, ""},
      {"unknown type", "application/octet-stream", "{", {}, ""},
      {"manifest is index",
       std::string(mt::kOciManifest),
       IndexBody(),
       {},
       prefix + "media-type: expected manifest but found index (" + std::string(mt::kOciManifest) +
           ")"},
      {"manifest with manifests key",
       std::string(mt::kDockerManifest),
       manifest_with_manifests.dump(),
       {},
       prefix + "media-type: expected manifest but found index (" +
           std::string(mt::kDockerManifest) + ")"},
      {"index is manifest",
       std::string(mt::kOciIndex),
       ManifestBody(),
       {},
       prefix + "media-type: expected index but found manifest (" + std::string(mt::kOciIndex) +
           ")"},
      {"untyped manifest behind index",
       std::string(mt::kDockerManifestList),
       ManifestBody(""),
       {},
       prefix + "media-type: expected index but found manifest (" +
           std::string(mt::kDockerManifestList) + ")"},
      {"index with layers key",
       std::string(mt::kOciIndex),
       index_with_layers.dump(),
       {},
       prefix + "media-type: expected index but found manifest (" + std::string(mt::kOciIndex) +
           ")"},
      {"index with Config key",
       std::string(mt::kOciIndex),
       index_with_config.dump(),
       {},
       prefix + "media-type: expected index but found manifest (" + std::string(mt::kOciIndex) +
           ")"},
      {"schema1 body",
       std::string(mt::kDockerManifest),
       schema1.dump(),
       {},
       prefix + "media-type: schema 1 not supported"},
      {"body mediaType number",
       std::string(mt::kOciManifest),
       type_number.dump(),
       {},
       prefix + "mediaType: expected a string, got number"},
      {"manifest null body", std::string(mt::kOciManifest), "null", {}, prefix + "config: missing"},
      {"array body",
       std::string(mt::kOciIndex),
       "[1]",
       {},
       prefix + "document: expected a JSON object, got array"},
      {"deep nesting",
       std::string(mt::kOciManifest),
       deep,
       {},
       prefix + "invalid JSON: nesting deeper than 64 levels"},
  };
  for (const auto& c : cases) {
    Descriptor parent = MakeDesc(c.media_type, "parent");
    auto kids = Children(parent, c.body);
    if (c.error.empty()) {
      ASSERT_TRUE(kids.ok()) << c.name << ": " << kids.status();
      EXPECT_EQ(Digests(*kids), c.want) << c.name;
    } else {
      ASSERT_FALSE(kids.ok()) << c.name;
      EXPECT_EQ(kids.status().code(), absl::StatusCode::kDataLoss) << c.name;
      EXPECT_EQ(kids.status().message(), c.error) << c.name;
    }
  }
}

TEST(ChildrenTest, InvalidJsonIsPrefixedDataLoss) {
  Descriptor parent = MakeDesc(mt::kOciManifest, "p");
  auto kids = Children(parent, "{\"config\": ");
  ASSERT_FALSE(kids.ok());
  EXPECT_EQ(kids.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(kids.status().message()),
              HasSubstr("children: invalid desc " + parent.digest.str() + ": invalid JSON: "));
}

TEST(ChildrenTest, ChildDescriptorsKeepTheirFields) {
  json m = json::parse(ManifestBody());
  m["layers"][0]["annotations"] = {{"a", "b"}};
  m["layers"][0]["urls"] = {"https://x"};
  auto kids = Children(MakeDesc(mt::kOciManifest, "p"), m.dump());
  ASSERT_TRUE(kids.ok()) << kids.status();
  ASSERT_EQ(kids->size(), 3u);
  EXPECT_EQ((*kids)[0].media_type, mt::kOciConfig);
  EXPECT_EQ((*kids)[0].size, 10);
  EXPECT_EQ((*kids)[1].annotations.at("a"), "b");
  EXPECT_EQ((*kids)[1].urls, std::vector<std::string>{"https://x"});
}

// Mutated bodies never throw or crash: every outcome is a value or DataLoss.
TEST(ChildrenTest, MutatedBodiesFailCleanly) {
  const std::string bodies[] = {ManifestBody(), IndexBody()};
  const std::string types[] = {std::string(mt::kOciManifest), std::string(mt::kOciIndex),
                               std::string(mt::kDockerManifestList)};
  const char alphabet[] = "{}[]\",:0-9e.tfn \\ab";
  std::mt19937 rng(12345);
  int failures = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string body = bodies[iter % 2];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = rng() % body.size();
      switch (rng() % 3) {
        case 0:
          body[pos] = alphabet[rng() % (sizeof(alphabet) - 1)];
          break;
        case 1:
          body.erase(pos, 1 + rng() % 8);
          break;
        default:
          body.insert(pos, 1, alphabet[rng() % (sizeof(alphabet) - 1)]);
          break;
      }
      if (body.empty()) body = "{";
    }
    for (const std::string& type : types) {
      auto kids = Children(MakeDesc(type, "p"), body);
      if (!kids.ok()) {
        ++failures;
        ASSERT_EQ(kids.status().code(), absl::StatusCode::kDataLoss) << body;
      }
    }
  }
  EXPECT_GT(failures, 0);  // the mutations did reach the error paths
}

TEST(ValidateMediaTypeTest, OnlyManifestsAndIndexesAreChecked) {
  EXPECT_TRUE(ValidateMediaType("not json", mt::kOciLayer).ok());
  EXPECT_FALSE(ValidateMediaType("not json", mt::kOciManifest).ok());
  EXPECT_TRUE(ValidateMediaType(ManifestBody(), mt::kOciManifest).ok());
  EXPECT_TRUE(ValidateMediaType(IndexBody(), mt::kDockerManifestList).ok());
}

}  // namespace
}  // namespace reclaim
