#include "imageio/go_json.h"

#include <cstdint>

#include "core/media_types.h"

namespace reclaim {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Go's utf8.DecodeRuneInString: the rune and its length, or (-1, 1) for an
// invalid sequence (overlong, surrogate, > U+10FFFF, truncated).
std::pair<int32_t, size_t> DecodeRune(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const uint8_t c0 = b(0);
  const size_t left = s.size() - i;
  auto cont = [&](size_t k) { return k < left && (b(k) & 0xC0) == 0x80; };
  if (c0 < 0x80) return {c0, 1};
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    if (!cont(1)) return {-1, 1};
    return {((c0 & 0x1F) << 6) | (b(1) & 0x3F), 2};
  }
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return {-1, 1};
    const uint8_t c1 = b(1);
    if (c0 == 0xE0 && c1 < 0xA0) return {-1, 1};  // overlong
    if (c0 == 0xED && c1 > 0x9F) return {-1, 1};  // surrogate
    return {((c0 & 0x0F) << 12) | ((c1 & 0x3F) << 6) | (b(2) & 0x3F), 3};
  }
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return {-1, 1};
    const uint8_t c1 = b(1);
    if (c0 == 0xF0 && c1 < 0x90) return {-1, 1};
    if (c0 == 0xF4 && c1 > 0x8F) return {-1, 1};
    return {((c0 & 0x07) << 18) | ((c1 & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F), 4};
  }
  return {-1, 1};
}

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

std::string GoJsonString(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
        out += static_cast<char>(c);
      } else {
        switch (c) {
          case '"':
            out += "\\\"";
            break;
          case '\\':
            out += "\\\\";
            break;
          case '\b':
            out += "\\b";
            break;
          case '\f':
            out += "\\f";
            break;
          case '\n':
            out += "\\n";
            break;
          case '\r':
            out += "\\r";
            break;
          case '\t':
            out += "\\t";
            break;
          default:
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
      }
      ++i;
      continue;
    }
    auto [rune, len] = DecodeRune(s, i);
    if (rune < 0) {
      out += "\\ufffd";
    } else if (rune == 0x2028 || rune == 0x2029) {
      out += rune == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.data() + i, len);
    }
    i += len;
  }
  out += '"';
  return out;
}

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
