#include "core/media_types.h"

#include <algorithm>
#include <string_view>
#include <vector>

namespace reclaim {
namespace {

namespace mt = media_types;

// Splits `type+ext1+ext2` into the base type and its sorted extensions.
struct ParsedType {
  std::string_view base;
  std::vector<std::string_view> suffixes;
};

ParsedType ParseMediaType(std::string_view media_type) {
  ParsedType parsed;
  const size_t plus = media_type.find('+');
  parsed.base = media_type.substr(0, plus);
  if (plus == std::string_view::npos) return parsed;
  std::string_view rest = media_type.substr(plus + 1);
  while (true) {
    const size_t next = rest.find('+');
    parsed.suffixes.push_back(rest.substr(0, next));
    if (next == std::string_view::npos) break;
    rest = rest.substr(next + 1);
  }
  std::sort(parsed.suffixes.begin(), parsed.suffixes.end());
  return parsed;
}

bool IsDockerLayerBase(std::string_view base) {
  return base == mt::kDockerLayer || base == mt::kDockerLayerGzip || base == mt::kDockerLayerZstd ||
         base == mt::kDockerLayerForeign || base == mt::kDockerLayerForeignGzip;
}

}  // namespace

bool IsManifest(std::string_view media_type) {
  return media_type == mt::kDockerManifest || media_type == mt::kOciManifest;
}

bool IsIndex(std::string_view media_type) {
  return media_type == mt::kOciIndex || media_type == mt::kDockerManifestList;
}

bool IsConfig(std::string_view media_type) {
  return media_type == mt::kDockerConfig || media_type == mt::kOciConfig;
}

bool IsKnownConfig(std::string_view media_type) {
  return IsConfig(media_type) || media_type == mt::kContainerdCheckpoint ||
         media_type == mt::kContainerdCheckpointConfig;
}

bool IsLayer(std::string_view media_type) {
  if (media_type.starts_with("application/vnd.oci.image.layer.")) return true;
  const std::string_view base = ParseMediaType(media_type).base;
  return IsDockerLayerBase(base) || base == mt::kErofsLayer || base == mt::kErofs ||
         base == mt::kErofsChunkIndex;
}

bool IsNonDistributable(std::string_view media_type) {
  return media_type.starts_with("application/vnd.oci.image.layer.nondistributable.") ||
         media_type.starts_with("application/vnd.docker.image.rootfs.foreign.");
}

bool IsAttestation(std::string_view media_type) { return media_type == mt::kInToto; }

Compression LayerCompression(std::string_view media_type) {
  const ParsedType parsed = ParseMediaType(media_type);
  const bool wrapped = !parsed.suffixes.empty();
  if (parsed.base == mt::kDockerLayer || parsed.base == mt::kDockerLayerForeign) {
    return wrapped ? Compression::kNone : Compression::kUnknown;
  }
  if (parsed.base == mt::kDockerLayerGzip || parsed.base == mt::kDockerLayerForeignGzip) {
    return wrapped ? Compression::kNone : Compression::kGzip;
  }
  if (parsed.base == mt::kDockerLayerZstd) {
    return wrapped ? Compression::kNone : Compression::kZstd;
  }
  if (parsed.base == mt::kOciLayer || parsed.base == mt::kOciLayerNonDistributable) {
    if (wrapped) {
      const std::string_view last = parsed.suffixes.back();
      if (last == "gzip") return Compression::kGzip;
      if (last == "zstd") return Compression::kZstd;
    }
    return Compression::kNone;
  }
  return Compression::kUnknown;
}

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
    case Compression::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace reclaim
