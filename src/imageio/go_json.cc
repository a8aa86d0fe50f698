#include "imageio/go_json.h"

#include <cstdint>

#include "core/go_json.h"
#include "core/media_types.h"

namespace reclaim {
namespace {

void AppendField(std::string& out, bool& first, std::string_view name, std::string_view value) {
  if (!first) out += ',';
  first = false;
  out += '"';
  out.append(name.data(), name.size());
  out += "\":";
  out.append(value.data(), value.size());
}

std::string DescriptorArray(const std::vector<Descriptor>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    out += GoJsonDescriptor(v[i]);
  }
  out += ']';
  return out;
}

}  // namespace

std::string GoJsonString(std::string_view s) { return GoJsonQuoted(s, GoHtmlEscape::kOn); }

std::string GoJsonStringMap(const std::map<std::string, std::string>& m) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out += ',';
    first = false;
    out += GoJsonString(k);
    out += ':';
    out += GoJsonString(v);
  }
  out += '}';
  return out;
}

std::string GoJsonStringArray(const std::vector<std::string>& v, bool null_if_empty) {
  if (v.empty() && null_if_empty) return "null";
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    out += GoJsonString(v[i]);
  }
  out += ']';
  return out;
}

std::string GoJsonPlatform(const Platform& p) {
  std::string out = "{";
  bool first = true;
  AppendField(out, first, "architecture", GoJsonString(p.architecture));
  AppendField(out, first, "os", GoJsonString(p.os));
  if (!p.os_version.empty()) AppendField(out, first, "os.version", GoJsonString(p.os_version));
  if (!p.os_features.empty()) {
    AppendField(out, first, "os.features", GoJsonStringArray(p.os_features, false));
  }
  if (!p.variant.empty()) AppendField(out, first, "variant", GoJsonString(p.variant));
  out += '}';
  return out;
}

std::string GoJsonDescriptor(const Descriptor& d) {
  std::string out = "{";
  bool first = true;
  AppendField(out, first, "mediaType", GoJsonString(d.media_type));
  AppendField(out, first, "digest", GoJsonString(d.digest.str()));
  AppendField(out, first, "size", std::to_string(d.size));
  if (!d.urls.empty()) AppendField(out, first, "urls", GoJsonStringArray(d.urls, false));
  if (!d.annotations.empty())
    AppendField(out, first, "annotations", GoJsonStringMap(d.annotations));
  if (d.platform.has_value()) AppendField(out, first, "platform", GoJsonPlatform(*d.platform));
  if (!d.artifact_type.empty()) {
    AppendField(out, first, "artifactType", GoJsonString(d.artifact_type));
  }
  out += '}';
  return out;
}

std::string GoJsonDockerManifest(const Descriptor& config, const std::vector<Descriptor>& layers) {
  std::string out = "{";
  bool first = true;
  AppendField(out, first, "schemaVersion", "2");
  AppendField(out, first, "mediaType", GoJsonString(media_types::kDockerManifest));
  AppendField(out, first, "config", GoJsonDescriptor(config));
  AppendField(out, first, "layers", DescriptorArray(layers));
  out += '}';
  return out;
}

std::string GoJsonOciManifest(const Descriptor& config, const std::vector<Descriptor>& layers,
                              const std::map<std::string, std::string>& annotations) {
  std::string out = "{";
  bool first = true;
  AppendField(out, first, "schemaVersion", "2");
  AppendField(out, first, "mediaType", GoJsonString(media_types::kOciManifest));
  AppendField(out, first, "config", GoJsonDescriptor(config));
  AppendField(out, first, "layers", DescriptorArray(layers));
  if (!annotations.empty()) AppendField(out, first, "annotations", GoJsonStringMap(annotations));
  out += '}';
  return out;
}

std::string GoJsonOciIndex(const std::vector<Descriptor>& manifests) {
  std::string out = "{";
  bool first = true;
  AppendField(out, first, "schemaVersion", "2");
  AppendField(out, first, "manifests", DescriptorArray(manifests));
  out += '}';
  return out;
}

std::string GoJsonDockerManifestList(const std::vector<DockerManifestEntry>& entries) {
  std::string out = "[";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out += ',';
    std::string e = "{";
    bool first = true;
    AppendField(e, first, "Config", GoJsonString(entries[i].config));
    AppendField(e, first, "RepoTags", GoJsonStringArray(entries[i].repo_tags, true));
    AppendField(e, first, "Layers", GoJsonStringArray(entries[i].layers, true));
    e += '}';
    out += e;
  }
  out += ']';
  return out;
}

}  // namespace reclaim
