// File: core/media_types.h
//
// The media types of Docker and OCI images, and the predicates containerd uses
// to classify a descriptor while walking an image graph (specs/prune.md §3.3):
//
//   IsManifest(mt)  Docker schema2 manifest or OCI image manifest
//   IsIndex(mt)     Docker manifest list or OCI image index
//   IsConfig(mt)    Docker or OCI image config only (checkpoint configs are not)
//   IsLayer(mt)     any layer type (OCI, Docker, foreign, non-distributable, EROFS)
//
// Comparisons are exact and case-sensitive, as in containerd. Schema1
// manifests are known by name but are neither manifests nor indexes here.
//
// Thread-safety: constants and pure functions only.
#ifndef RECLAIM_CORE_MEDIA_TYPES_H_
#define RECLAIM_CORE_MEDIA_TYPES_H_

#include <string_view>

namespace reclaim {
namespace media_types {

// Docker image manifest, v2 schema 2.
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
// Legacy signed schema1 manifest: never expanded.
inline constexpr std::string_view kDockerSchema1Manifest =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
// Docker layers. The uncompressed name is also used for compressed data by some
// tools, which is why its compression is "unknown".
inline constexpr std::string_view kDockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerLayerZstd =
    "application/vnd.docker.image.rootfs.diff.tar.zstd";
inline constexpr std::string_view kDockerLayerForeign =
    "application/vnd.docker.image.rootfs.foreign.diff.tar";
inline constexpr std::string_view kDockerLayerForeignGzip =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

// OCI image-spec.
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciEmpty = "application/vnd.oci.empty.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kOciLayerNonDistributable =
    "application/vnd.oci.image.layer.nondistributable.v1.tar";
inline constexpr std::string_view kOciLayerNonDistributableGzip =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
inline constexpr std::string_view kOciLayerNonDistributableZstd =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

// containerd checkpoint types (known configs, but not IsConfig).
inline constexpr std::string_view kContainerdCheckpoint =
    "application/vnd.containerd.container.criu.checkpoint.criu.tar";
inline constexpr std::string_view kContainerdCheckpointConfig =
    "application/vnd.containerd.container.checkpoint.config.v1+proto";

// EROFS layers, which current containerd counts as layers.
inline constexpr std::string_view kErofsLayer = "application/vnd.erofs.layer.v1";
inline constexpr std::string_view kErofs = "application/vnd.erofs";
inline constexpr std::string_view kErofsChunkIndex = "application/vnd.erofs.chunk-index.v1";

// In-toto attestation statements (BuildKit provenance / SBOM layers).
inline constexpr std::string_view kInToto = "application/vnd.in-toto+json";

}  // namespace media_types

// containerd IsManifestType: exactly the Docker schema2 and OCI manifests.
bool IsManifest(std::string_view media_type);
// containerd IsIndexType: exactly the Docker manifest list and OCI index.
bool IsIndex(std::string_view media_type);
// containerd IsConfigType: exactly the Docker and OCI image configs.
bool IsConfig(std::string_view media_type);
// containerd IsKnownConfig: IsConfig plus the two checkpoint types.
bool IsKnownConfig(std::string_view media_type);
// containerd IsLayerType: any `application/vnd.oci.image.layer.*`, or a Docker
// layer type (after stripping `+suffix`es), or an EROFS layer.
bool IsLayer(std::string_view media_type);
// OCI non-distributable layers and Docker foreign layers.
bool IsNonDistributable(std::string_view media_type);
// The in-toto attestation type.
bool IsAttestation(std::string_view media_type);

enum class Compression {
  kNone,
  kGzip,
  kZstd,
  // The media type does not say: a Docker `diff.tar` layer (often actually
  // compressed; sniff the bytes), or a type that is not a layer at all.
  kUnknown,
};

// The compression a layer media type declares, following containerd's
// DiffCompression: Docker gzip/zstd/foreign-gzip are gzip/zstd, Docker plain
// tar is kUnknown, a Docker type with a `+suffix` (e.g. `+encrypted`) is kNone;
// OCI layers (including non-distributable ones) take the last of their sorted
// `+suffix`es (`gzip` or `zstd`) else kNone. Non-layer types are kUnknown.
Compression LayerCompression(std::string_view media_type);

// "none", "gzip", "zstd" or "unknown".
std::string_view CompressionName(Compression c);

}  // namespace reclaim

#endif  // RECLAIM_CORE_MEDIA_TYPES_H_
