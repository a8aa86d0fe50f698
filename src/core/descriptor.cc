#include "core/descriptor.h"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "core/json_fields.h"
#include "core/media_types.h"
#include "core/status.h"

namespace reclaim {

namespace {

std::string LowerAscii(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace

Platform NormalizePlatform(Platform p) {
  p.os = LowerAscii(std::move(p.os));
  if (p.os.empty()) p.os = "linux";
  if (p.os == "macos") p.os = "darwin";
  std::string arch = LowerAscii(std::move(p.architecture));
  std::string variant = LowerAscii(std::move(p.variant));
  if (arch == "i386") {
    arch = "386";
    variant.clear();
  } else if (arch == "x86_64" || arch == "x86-64" || arch == "amd64") {
    arch = "amd64";
    if (variant == "v1") variant.clear();
  } else if (arch == "aarch64" || arch == "arm64") {
    arch = "arm64";
    if (variant == "8" || variant == "v8" || variant == "v8.0") variant.clear();
  } else if (arch == "armhf") {
    arch = "arm";
    variant = "v7";
  } else if (arch == "armel") {
    arch = "arm";
    variant = "v6";
  } else if (arch == "arm") {
    if (variant.empty() || variant == "7") {
      variant = "v7";
    } else if (variant == "5" || variant == "6" || variant == "8") {
      variant = "v" + variant;
    }
  }
  p.architecture = std::move(arch);
  p.variant = std::move(variant);
  return p;
}

namespace {

using json = nlohmann::json;

absl::Status FieldError(std::string_view path, std::string_view problem) {
  return absl::InvalidArgumentError(std::string(path) + ": " + std::string(problem));
}

std::string Join(std::string_view prefix, std::string_view field) {
  if (prefix.empty()) return std::string(field);
  return std::string(prefix) + "." + std::string(field);
}

absl::Status WrongType(std::string_view path, std::string_view want, const json& got) {
  return FieldError(path, "expected " + std::string(want) + ", got " + got.type_name());
}

absl::StatusOr<std::string> GetString(const json& object, std::string_view name,
                                      std::string_view prefix) {
  const json* v = FindJsonField(object, name);
  if (v == nullptr) return std::string();
  if (!v->is_string()) return WrongType(Join(prefix, name), "a string", *v);
  return v->get<std::string>();
}

absl::StatusOr<std::vector<std::string>> GetStringArray(const json& object, std::string_view name,
                                                        std::string_view prefix) {
  std::vector<std::string> out;
  const json* v = FindJsonField(object, name);
  if (v == nullptr) return out;
  if (!v->is_array()) return WrongType(Join(prefix, name), "an array of strings", *v);
  for (const json& item : *v) {
    if (!item.is_string()) return WrongType(Join(prefix, name), "an array of strings", *v);
    out.push_back(item.get<std::string>());
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> GetStringMap(const json& object,
                                                                std::string_view name,
                                                                std::string_view prefix) {
  std::map<std::string, std::string> out;
  const json* v = FindJsonField(object, name);
  if (v == nullptr) return out;
  if (!v->is_object()) return WrongType(Join(prefix, name), "an object of strings", *v);
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it->is_string()) {
      return WrongType(Join(prefix, name) + "[\"" + it.key() + "\"]", "a string", *it);
    }
    out.emplace(it.key(), it->get<std::string>());
  }
  return out;
}

absl::StatusOr<Platform> PlatformFromJson(const json& j, std::string_view path) {
  if (!j.is_object()) return WrongType(path, "an object", j);
  Platform p;
  RECLAIM_ASSIGN_OR_RETURN(p.architecture, GetString(j, "architecture", path));
  RECLAIM_ASSIGN_OR_RETURN(p.os, GetString(j, "os", path));
  RECLAIM_ASSIGN_OR_RETURN(p.variant, GetString(j, "variant", path));
  RECLAIM_ASSIGN_OR_RETURN(p.os_version, GetString(j, "os.version", path));
  RECLAIM_ASSIGN_OR_RETURN(p.os_features, GetStringArray(j, "os.features", path));
  return p;
}

// Decodes a descriptor at `path` ("" for the top level).
absl::StatusOr<Descriptor> DescriptorAt(const json& j, std::string_view path) {
  const std::string where = path.empty() ? "descriptor" : std::string(path);
  if (!j.is_object()) return WrongType(where, "an object", j);
  Descriptor d;
  RECLAIM_ASSIGN_OR_RETURN(d.media_type, GetString(j, "mediaType", path));

  const json* digest = FindJsonField(j, "digest");
  if (digest == nullptr) return FieldError(Join(path, "digest"), "missing");
  if (!digest->is_string()) return WrongType(Join(path, "digest"), "a string", *digest);
  absl::StatusOr<Digest> parsed = Digest::Parse(digest->get_ref<const std::string&>());
  if (!parsed.ok()) {
    return FieldError(Join(path, "digest"), "\"" + digest->get<std::string>() +
                                                "\": " + std::string(parsed.status().message()));
  }
  d.digest = *std::move(parsed);

  if (const json* size = FindJsonField(j, "size"); size != nullptr) {
    if (!size->is_number_integer()) {
      return WrongType(Join(path, "size"), "a non-negative integer", *size);
    }
    if (size->is_number_unsigned()) {
      if (size->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return FieldError(Join(path, "size"), "out of range: " + size->dump());
      }
      d.size = static_cast<int64_t>(size->get<uint64_t>());
    } else {
      d.size = size->get<int64_t>();
    }
    if (d.size < 0) return FieldError(Join(path, "size"), "negative: " + size->dump());
  }

  RECLAIM_ASSIGN_OR_RETURN(d.annotations, GetStringMap(j, "annotations", path));
  RECLAIM_ASSIGN_OR_RETURN(d.urls, GetStringArray(j, "urls", path));
  RECLAIM_ASSIGN_OR_RETURN(d.artifact_type, GetString(j, "artifactType", path));
  if (const json* platform = FindJsonField(j, "platform"); platform != nullptr) {
    RECLAIM_ASSIGN_OR_RETURN(d.platform, PlatformFromJson(*platform, Join(path, "platform")));
  }
  return d;
}

absl::StatusOr<std::vector<Descriptor>> DescriptorArray(const json& object, std::string_view name) {
  std::vector<Descriptor> out;
  const json* v = FindJsonField(object, name);
  if (v == nullptr) return out;
  if (!v->is_array()) return WrongType(name, "an array of descriptors", *v);
  out.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    RECLAIM_ASSIGN_OR_RETURN(
        Descriptor d, DescriptorAt((*v)[i], std::string(name) + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(d));
  }
  return out;
}

// Parses a manifest/index/unknown document body. Go decodes a top-level `null`
// into a struct as a no-op, so it reads as an empty object here.
absl::StatusOr<json> ParseDocument(std::string_view bytes, std::string_view what) {
  RECLAIM_ASSIGN_OR_RETURN(json doc, ParseJson(bytes));
  if (doc.is_null()) return json::object();
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(std::string(what) + ": expected a JSON object, got " +
                                      doc.type_name());
  }
  return doc;
}

absl::Status CheckSchemaVersion(const json& doc) {
  const json* v = FindJsonField(doc, "schemaVersion");
  if (v != nullptr && !v->is_number_integer()) return WrongType("schemaVersion", "an integer", *v);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Descriptor>> OptionalDescriptor(const json& doc,
                                                             std::string_view name) {
  const json* v = FindJsonField(doc, name);
  if (v == nullptr) return std::optional<Descriptor>();
  RECLAIM_ASSIGN_OR_RETURN(Descriptor d, DescriptorAt(*v, name));
  return std::optional<Descriptor>(std::move(d));
}

}  // namespace

absl::StatusOr<Platform> PlatformFieldsFromJson(const json& object, std::string_view path) {
  return PlatformFromJson(object, path);
}

bool JsonNestsDeeperThan(std::string_view bytes, int max_depth) {
  // Only brackets outside strings count.
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : bytes) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

absl::StatusOr<json> ParseJson(std::string_view bytes, int max_depth) {
  if (JsonNestsDeeperThan(bytes, max_depth)) {
    return absl::InvalidArgumentError("invalid JSON: nesting deeper than " +
                                      std::to_string(max_depth) + " levels");
  }
  try {
    return json::parse(bytes.begin(), bytes.end());
  } catch (const json::exception& e) {
    // Drop nlohmann's "[json.exception.parse_error.101] " tag.
    std::string_view what = e.what();
    if (!what.empty() && what.front() == '[') {
      const size_t close = what.find("] ");
      if (close != std::string_view::npos) what.remove_prefix(close + 2);
    }
    return absl::InvalidArgumentError("invalid JSON: " + std::string(what));
  }
}

absl::StatusOr<Descriptor> DescriptorFromJson(const json& j) { return DescriptorAt(j, ""); }

json DescriptorToJson(const Descriptor& desc) {
  json j = json::object();
  j["mediaType"] = desc.media_type;
  j["digest"] = desc.digest.str();
  j["size"] = desc.size;
  if (!desc.urls.empty()) j["urls"] = desc.urls;
  if (!desc.annotations.empty()) j["annotations"] = desc.annotations;
  if (desc.platform.has_value()) {
    const Platform& p = *desc.platform;
    json pj = json::object();
    pj["architecture"] = p.architecture;
    pj["os"] = p.os;
    if (!p.os_version.empty()) pj["os.version"] = p.os_version;
    if (!p.os_features.empty()) pj["os.features"] = p.os_features;
    if (!p.variant.empty()) pj["variant"] = p.variant;
    j["platform"] = std::move(pj);
  }
  if (!desc.artifact_type.empty()) j["artifactType"] = desc.artifact_type;
  return j;
}

absl::StatusOr<Manifest> ParseManifest(std::string_view bytes) {
  RECLAIM_ASSIGN_OR_RETURN(json doc, ParseDocument(bytes, "manifest"));
  RECLAIM_RETURN_IF_ERROR(CheckSchemaVersion(doc));
  Manifest m;
  RECLAIM_ASSIGN_OR_RETURN(m.media_type, GetString(doc, "mediaType", ""));
  RECLAIM_ASSIGN_OR_RETURN(m.artifact_type, GetString(doc, "artifactType", ""));
  const json* config = FindJsonField(doc, "config");
  if (config == nullptr) return FieldError("config", "missing");
  RECLAIM_ASSIGN_OR_RETURN(m.config, DescriptorAt(*config, "config"));
  RECLAIM_ASSIGN_OR_RETURN(m.layers, DescriptorArray(doc, "layers"));
  RECLAIM_ASSIGN_OR_RETURN(m.subject, OptionalDescriptor(doc, "subject"));
  RECLAIM_ASSIGN_OR_RETURN(m.annotations, GetStringMap(doc, "annotations", ""));
  return m;
}

absl::StatusOr<Index> ParseIndex(std::string_view bytes) {
  RECLAIM_ASSIGN_OR_RETURN(json doc, ParseDocument(bytes, "index"));
  RECLAIM_RETURN_IF_ERROR(CheckSchemaVersion(doc));
  Index index;
  RECLAIM_ASSIGN_OR_RETURN(index.media_type, GetString(doc, "mediaType", ""));
  RECLAIM_ASSIGN_OR_RETURN(index.artifact_type, GetString(doc, "artifactType", ""));
  RECLAIM_ASSIGN_OR_RETURN(index.manifests, DescriptorArray(doc, "manifests"));
  RECLAIM_ASSIGN_OR_RETURN(index.subject, OptionalDescriptor(doc, "subject"));
  RECLAIM_ASSIGN_OR_RETURN(index.annotations, GetStringMap(doc, "annotations", ""));
  return index;
}

absl::Status ValidateMediaType(std::string_view bytes, std::string_view media_type) {
  const bool manifest = IsManifest(media_type);
  const bool index = IsIndex(media_type);
  if (!manifest && !index) return absl::OkStatus();
  RECLAIM_ASSIGN_OR_RETURN(json doc, ParseDocument(bytes, "document"));
  RECLAIM_ASSIGN_OR_RETURN(std::string doc_type, GetString(doc, "mediaType", ""));
  // containerd decodes these fields as json.RawMessage, which Go fills even for
  // `null`: any occurrence of the key counts.
  if (HasJsonField(doc, "fsLayers")) {
    return absl::InvalidArgumentError("media-type: schema 1 not supported");
  }
  const std::string mt(media_type);
  if (manifest && (HasJsonField(doc, "manifests") || IsIndex(doc_type))) {
    return absl::InvalidArgumentError("media-type: expected manifest but found index (" + mt + ")");
  }
  if (index &&
      (HasJsonField(doc, "config") || HasJsonField(doc, "layers") || IsManifest(doc_type))) {
    return absl::InvalidArgumentError("media-type: expected index but found manifest (" + mt + ")");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Descriptor>> Children(const Descriptor& desc, std::string_view bytes) {
  const bool manifest = IsManifest(desc.media_type);
  const bool index = IsIndex(desc.media_type);
  if (!manifest && !index) return std::vector<Descriptor>();

  auto wrap = [&desc](const absl::Status& s) {
    return absl::DataLossError("children: invalid desc " + desc.digest.str() + ": " +
                               std::string(s.message()));
  };
  if (absl::Status s = ValidateMediaType(bytes, desc.media_type); !s.ok()) return wrap(s);

  std::vector<Descriptor> children;
  if (manifest) {
    absl::StatusOr<Manifest> m = ParseManifest(bytes);
    if (!m.ok()) return wrap(m.status());
    children.reserve(1 + m->layers.size());
    children.push_back(std::move(m->config));
    for (Descriptor& layer : m->layers) children.push_back(std::move(layer));
  } else {
    absl::StatusOr<Index> idx = ParseIndex(bytes);
    if (!idx.ok()) return wrap(idx.status());
    children = std::move(idx->manifests);
  }
  return children;
}

}  // namespace reclaim
