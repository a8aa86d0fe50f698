// File: imageio/names.h
//
// How archives name images, and the platform of an image, as containerd's
// archive importer/exporter and moby's load see them:
//
//   index.json / generated index entries carry the name in annotations:
//     io.containerd.image.name            the full name, "docker.io/library/alpine:3"
//     org.opencontainers.image.ref.name   the OCI "object": the tag ("3"), or "@sha256:…"
//   Docker's manifest.json RepoTags carry familiar names ("alpine:3").
//   Images without a (valid) name become "moby-dangling@<digest>".
//
// Thread-safety: pure functions.
#ifndef RECLAIM_IMAGEIO_NAMES_H_
#define RECLAIM_IMAGEIO_NAMES_H_

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/descriptor.h"
#include "core/digest.h"

namespace reclaim {

inline constexpr std::string_view kAnnotationImageName = "io.containerd.image.name";
inline constexpr std::string_view kAnnotationRefName = "org.opencontainers.image.ref.name";

// "moby-dangling@sha256:<hex>".
std::string DanglingImageName(const Digest& digest);
// True when `name` is exactly DanglingImageName(target).
bool IsDanglingName(std::string_view name, const Digest& target);

// containerd's reference.ParseDockerRef(...).String(): the normalized name with
// "latest" added when there is neither tag nor digest; a name with both a tag
// and a digest keeps only the digest. Errors are reference.h's texts.
[[nodiscard]] absl::StatusOr<std::string> NormalizeDockerRef(std::string_view ref);

// containerd's ociReferenceName for a normalized name: its tag, or "@<digest>"
// for a digested name, or "" when it has neither.
std::string OciReferenceName(std::string_view normalized);

// containerd's imageName(annotations): io.containerd.image.name when set, else
// org.opencontainers.image.ref.name, else "".
std::string ImageNameFromAnnotations(const std::map<std::string, std::string>& annotations);

// containerd's familiarizeReference (manifest.json RepoTags): "alpine:latest"
// for "docker.io/library/alpine"; errors when the name does not parse.
[[nodiscard]] absl::StatusOr<std::string> FamiliarTaggedName(std::string_view name);


// The platform reclaim calls "host" for import and for choosing the manifest
// of Docker's manifest.json: linux plus the architecture it was built for
// (amd64 unless built for arm64).
Platform HostPlatform();

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_NAMES_H_
