// File: core/descriptor.h
//
// A descriptor names a blob: media type + digest + size, with optional
// annotations, platform, urls and artifactType (OCI image-spec "Content
// Descriptor"). Manifests and indexes are lists of descriptors; this header
// also parses those two bodies and computes a blob's children the way
// containerd's images.Children does (specs/prune.md §3.3):
//
//   RECLAIM_ASSIGN_OR_RETURN(std::vector<Descriptor> kids, Children(desc, blob_bytes));
//
// JSON is decoded with Go encoding/json's leniency where it matters for
// fidelity: `null` means "absent", unknown fields are ignored, and a key names
// a field exactly or under Go's case folding (core/json_fields.h). It is stricter where
// reclaim needs valid values: a descriptor must carry a valid digest, and a
// size must be a non-negative integer. JSON nested deeper than
// kMaxJsonDepth is rejected before parsing, so hostile blobs cannot exhaust
// the stack. No function here throws.
//
// The JSON functions use nlohmann::json; callers that build or inspect the
// values include <nlohmann/json.hpp> themselves.
//
// Thread-safety: value types and pure functions only.
#ifndef RECLAIM_CORE_DESCRIPTOR_H_
#define RECLAIM_CORE_DESCRIPTOR_H_

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/digest.h"

namespace reclaim {

// OCI platform: JSON `architecture`, `os`, `os.version`, `os.features`, `variant`.
struct Platform {
  std::string architecture;
  std::string os;
  std::string variant;
  std::string os_version;
  std::vector<std::string> os_features;

  friend bool operator==(const Platform&, const Platform&) = default;
};

// containerd platforms.Normalize on a Linux host: os lower-cased ("" -> linux,
// "macos" -> darwin); architecture aliases (x86_64 -> amd64, aarch64 -> arm64,
// i386 -> 386, armhf -> arm/v7, armel -> arm/v6) and their variants
// (amd64 "v1" and arm64 "8"/"v8" dropped, arm "" or "7" -> "v7").
// The one normalisation every module uses (index matching, unpack, archives).
Platform NormalizePlatform(Platform p);

struct Descriptor {
  std::string media_type;                          // `mediaType`
  Digest digest;                                   // `digest`, always valid once parsed
  int64_t size = 0;                                // `size`, >= 0
  std::map<std::string, std::string> annotations;  // `annotations`
  std::optional<Platform> platform;                // `platform`
  std::vector<std::string> urls;                   // `urls`
  std::string artifact_type;                       // `artifactType`

  friend bool operator==(const Descriptor&, const Descriptor&) = default;
};

// JSON nested deeper than this (arrays plus objects) is rejected unparsed.
inline constexpr int kMaxJsonDepth = 64;

// Parses `bytes` as one JSON document after checking its nesting depth.
// InvalidArgument "invalid JSON: ..." or "JSON nesting deeper than 64 levels".
[[nodiscard]] absl::StatusOr<nlohmann::json> ParseJson(std::string_view bytes,
                                                       int max_depth = kMaxJsonDepth);
// True when arrays and objects in `bytes` nest deeper than `max_depth`
// (brackets inside strings do not count); ParseJson's pre-scan.
bool JsonNestsDeeperThan(std::string_view bytes, int max_depth);

// Decodes one descriptor object. InvalidArgument naming the field on a missing
// or invalid digest, a negative or non-integer size, or a field of the wrong
// JSON type.
[[nodiscard]] absl::StatusOr<Descriptor> DescriptorFromJson(const nlohmann::json& json);

// Decodes the OCI platform fields of `object` (`architecture`, `os`,
// `variant`, `os.version`, `os.features`; absent ones empty): a descriptor's
// `platform`, or an image config, which carries the same fields at its top
// level. InvalidArgument naming `path` and the field for a wrong JSON type.
[[nodiscard]] absl::StatusOr<Platform> PlatformFieldsFromJson(const nlohmann::json& object,
                                                              std::string_view path);

// Encodes a descriptor: `mediaType`, `digest`, `size` always; `annotations`,
// `platform`, `urls`, `artifactType` only when non-empty (Go's omitempty).
nlohmann::json DescriptorToJson(const Descriptor& desc);

// An image manifest body (Docker schema2 or OCI).
struct Manifest {
  std::string media_type;  // the body's own `mediaType`; may be empty
  std::string artifact_type;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::optional<Descriptor> subject;
  std::map<std::string, std::string> annotations;
};

// An index body (OCI index or Docker manifest list).
struct Index {
  std::string media_type;  // the body's own `mediaType`; may be empty
  std::string artifact_type;
  std::vector<Descriptor> manifests;
  std::optional<Descriptor> subject;
  std::map<std::string, std::string> annotations;
};

// Parse manifest / index bodies. InvalidArgument on invalid JSON, wrong types,
// a missing config, or a bad descriptor (the message names the field, e.g.
// "layers[2].digest: ..."). A top-level `null` reads as an empty document, as
// in Go; any other non-object is an error.
[[nodiscard]] absl::StatusOr<Manifest> ParseManifest(std::string_view bytes);
[[nodiscard]] absl::StatusOr<Index> ParseIndex(std::string_view bytes);

// containerd's validateMediaType for a manifest or index blob whose descriptor
// says `media_type`: a body with `fsLayers` is "media-type: schema 1 not
// supported"; a manifest with a `manifests` field or an index `mediaType` is
// "media-type: expected manifest but found index (<media_type>)"; an index
// with `config`/`layers` or a manifest `mediaType` is "media-type: expected
// index but found manifest (<media_type>)". Other mismatches (a Docker body
// behind an OCI descriptor) are accepted, as containerd does. Types that are
// neither manifests nor indexes are not checked.
[[nodiscard]] absl::Status ValidateMediaType(std::string_view bytes, std::string_view media_type);

// The immediate children of the blob `desc` whose content is `bytes`:
// manifests yield config then layers in order, indexes all `manifests` in
// order (no platform filtering, duplicates kept), every other type none
// (`bytes` is not looked at). Errors are DataLoss (corrupt stored content),
// prefixed like containerd's "children: invalid desc <digest>: ...".
[[nodiscard]] absl::StatusOr<std::vector<Descriptor>> Children(const Descriptor& desc,
                                                               std::string_view bytes);

}  // namespace reclaim

#endif  // RECLAIM_CORE_DESCRIPTOR_H_
