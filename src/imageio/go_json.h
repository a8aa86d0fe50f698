// File: imageio/go_json.h
//
// Byte-exact JSON for the documents reclaim writes into the content store and
// into archives. A blob's digest is the hash of its bytes, so an image ID only
// matches what Docker/containerd compute when the manifest is serialized
// exactly as Go's encoding/json does it: struct fields in declaration order,
// `omitempty` honoured, map keys sorted, compact (no spaces), strings escaped
// with HTML-safe escapes (`<` -> \u003c, `>` -> \u003e, `&` -> \u0026, U+2028,
// U+2029), \b \f \n \r \t short escapes (Go >= 1.22), other control bytes as
// \u00xx, and invalid UTF-8 replaced by \ufffd.
//
// Field orders reproduced (image-spec v1.1 Go types):
//   Descriptor  mediaType digest size urls? annotations? platform? artifactType?
//   Platform    architecture os os.version? os.features? variant?
//   Index       schemaVersion mediaType? artifactType? manifests subject? annotations?
//   Manifest    schemaVersion mediaType? artifactType? config layers subject? annotations?
//
// Thread-safety: pure functions.
#ifndef RECLAIM_IMAGEIO_GO_JSON_H_
#define RECLAIM_IMAGEIO_GO_JSON_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/descriptor.h"

namespace reclaim {

// A JSON string literal (with quotes) as Go's encoding/json writes it.
std::string GoJsonString(std::string_view s);

// {"k":"v",...} with keys sorted; `{}` when empty.
std::string GoJsonStringMap(const std::map<std::string, std::string>& m);

// ["a","b"]; `null` when `null_if_empty` and the list is empty (a nil slice).
std::string GoJsonStringArray(const std::vector<std::string>& v, bool null_if_empty);

std::string GoJsonPlatform(const Platform& p);
std::string GoJsonDescriptor(const Descriptor& d);

// The Docker schema2 manifest containerd's archive importer writes for a
// docker-archive image: {"schemaVersion":2,"mediaType":"<docker manifest>",
// "config":{...},"layers":[...]}.
std::string GoJsonDockerManifest(const Descriptor& config, const std::vector<Descriptor>& layers);

// An ocispec.Manifest (mediaType set to the OCI manifest type).
std::string GoJsonOciManifest(const Descriptor& config, const std::vector<Descriptor>& layers,
                              const std::map<std::string, std::string>& annotations = {});

// An ocispec.Index without mediaType, as containerd writes index.json:
// {"schemaVersion":2,"manifests":[...]}.
std::string GoJsonOciIndex(const std::vector<Descriptor>& manifests);

// One entry of Docker's manifest.json.
struct DockerManifestEntry {
  std::string config;                  // "blobs/sha256/<hex>"
  std::vector<std::string> repo_tags;  // familiar names; null when empty
  std::vector<std::string> layers;     // null when empty
};
// [{"Config":...,"RepoTags":...,"Layers":...},...]
std::string GoJsonDockerManifestList(const std::vector<DockerManifestEntry>& entries);

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_GO_JSON_H_
