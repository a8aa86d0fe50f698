#include "core/media_types.h"

#include <string>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

namespace mt = media_types;

struct ClassCase {
  std::string media_type;
  bool manifest;
  bool index;
  bool config;
  bool known_config;
  bool layer;
  bool non_distributable;
};

TEST(MediaTypesTest, Predicates) {
  const ClassCase cases[] = {
      // media type                                   man    idx    cfg    known  layer  nondist
      {std::string(mt::kDockerManifest), true, false, false, false, false, false},
      {std::string(mt::kOciManifest), true, false, false, false, false, false},
      {std::string(mt::kDockerManifestList), false, true, false, false, false, false},
      {std::string(mt::kOciIndex), false, true, false, false, false, false},
      {std::string(mt::kDockerConfig), false, false, true, true, false, false},
      {std::string(mt::kOciConfig), false, false, true, true, false, false},
      {std::string(mt::kContainerdCheckpoint), false, false, false, true, false, false},
      {std::string(mt::kContainerdCheckpointConfig), false, false, false, true, false, false},
      {std::string(mt::kDockerSchema1Manifest), false, false, false, false, false, false},
      {std::string(mt::kInToto), false, false, false, false, false, false},
      {std::string(mt::kOciEmpty), false, false, false, false, false, false},
      {std::string(mt::kDockerLayer), false, false, false, false, true, false},
      {std::string(mt::kDockerLayerGzip), false, false, false, false, true, false},
      {std::string(mt::kDockerLayerZstd), false, false, false, false, true, false},
      {std::string(mt::kDockerLayerForeign), false, false, false, false, true, true},
      {std::string(mt::kDockerLayerForeignGzip), false, false, false, false, true, true},
      {std::string(mt::kDockerLayerGzip) + "+encrypted", false, false, false, false, true, false},
      {std::string(mt::kOciLayer), false, false, false, false, true, false},
      {std::string(mt::kOciLayerGzip), false, false, false, false, true, false},
      {std::string(mt::kOciLayerZstd), false, false, false, false, true, false},
      {std::string(mt::kOciLayerNonDistributable), false, false, false, false, true, true},
      {std::string(mt::kOciLayerNonDistributableGzip), false, false, false, false, true, true},
      {std::string(mt::kOciLayerNonDistributableZstd), false, false, false, false, true, true},
      {"application/vnd.oci.image.layer.v1.tar+gzip+encrypted", false, false, false, false, true,
       false},
      {std::string(mt::kErofsLayer), false, false, false, false, true, false},
      {std::string(mt::kErofs) + "+zstd", false, false, false, false, true, false},
      // Exact, case-sensitive matching; parameters are not stripped.
      {"application/vnd.oci.image.manifest.v1+json; charset=utf-8", false, false, false, false,
       false, false},
      {"APPLICATION/VND.OCI.IMAGE.INDEX.V1+JSON", false, false, false, false, false, false},
      {"application/vnd.docker.image.rootfs.diff", false, false, false, false, false, false},
      {"", false, false, false, false, false, false},
      {"application/json", false, false, false, false, false, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.media_type);
    EXPECT_EQ(IsManifest(c.media_type), c.manifest);
    EXPECT_EQ(IsIndex(c.media_type), c.index);
    EXPECT_EQ(IsConfig(c.media_type), c.config);
    EXPECT_EQ(IsKnownConfig(c.media_type), c.known_config);
    EXPECT_EQ(IsLayer(c.media_type), c.layer);
    EXPECT_EQ(IsNonDistributable(c.media_type), c.non_distributable);
  }
}

TEST(MediaTypesTest, ConstantsAreTheWireStrings) {
  EXPECT_EQ(mt::kDockerManifest, "application/vnd.docker.distribution.manifest.v2+json");
  EXPECT_EQ(mt::kDockerManifestList, "application/vnd.docker.distribution.manifest.list.v2+json");
  EXPECT_EQ(mt::kDockerConfig, "application/vnd.docker.container.image.v1+json");
  EXPECT_EQ(mt::kOciManifest, "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(mt::kOciIndex, "application/vnd.oci.image.index.v1+json");
  EXPECT_EQ(mt::kOciConfig, "application/vnd.oci.image.config.v1+json");
  EXPECT_EQ(mt::kInToto, "application/vnd.in-toto+json");
}

TEST(MediaTypesTest, Attestation) {
  EXPECT_TRUE(IsAttestation(mt::kInToto));
  EXPECT_FALSE(IsAttestation(mt::kOciManifest));
  EXPECT_FALSE(IsAttestation("application/vnd.in-toto+json+gzip"));
}

struct CompressionCase {
  std::string media_type;
  Compression want;
};

TEST(MediaTypesTest, LayerCompression) {
  const CompressionCase cases[] = {
      {std::string(mt::kDockerLayer), Compression::kUnknown},
      {std::string(mt::kDockerLayerForeign), Compression::kUnknown},
      {std::string(mt::kDockerLayerGzip), Compression::kGzip},
      {std::string(mt::kDockerLayerForeignGzip), Compression::kGzip},
      {std::string(mt::kDockerLayerZstd), Compression::kZstd},
      {std::string(mt::kDockerLayerGzip) + "+encrypted", Compression::kNone},
      {std::string(mt::kDockerLayer) + "+encrypted", Compression::kNone},
      {std::string(mt::kOciLayer), Compression::kNone},
      {std::string(mt::kOciLayerGzip), Compression::kGzip},
      {std::string(mt::kOciLayerZstd), Compression::kZstd},
      {std::string(mt::kOciLayerNonDistributable), Compression::kNone},
      {std::string(mt::kOciLayerNonDistributableGzip), Compression::kGzip},
      {std::string(mt::kOciLayerNonDistributableZstd), Compression::kZstd},
      // Suffixes are sorted and the last one decides, as in containerd.
      {std::string(mt::kOciLayerGzip) + "+encrypted", Compression::kGzip},
      {std::string(mt::kOciLayer) + "+encrypted", Compression::kNone},
      {std::string(mt::kOciLayer) + "+foo", Compression::kNone},
      {std::string(mt::kErofsLayer), Compression::kUnknown},
      {std::string(mt::kOciManifest), Compression::kUnknown},
      {std::string(mt::kDockerConfig), Compression::kUnknown},
      {"", Compression::kUnknown},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(LayerCompression(c.media_type), c.want)
        << c.media_type << " -> " << CompressionName(LayerCompression(c.media_type));
  }
}

TEST(MediaTypesTest, CompressionNames) {
  EXPECT_EQ(CompressionName(Compression::kNone), "none");
  EXPECT_EQ(CompressionName(Compression::kGzip), "gzip");
  EXPECT_EQ(CompressionName(Compression::kZstd), "zstd");
  EXPECT_EQ(CompressionName(Compression::kUnknown), "unknown");
}

}  // namespace
}  // namespace reclaim
