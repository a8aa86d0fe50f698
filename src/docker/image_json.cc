// File: docker/image_json.cc
#include "docker/image_json.h"

#include "docker/api_version.h"
#include "imageio/go_json.h"

namespace reclaim {
namespace {

// Appends `s` as EncodeJsonCompact(Json(s)) would: printable ASCII without `"`
// or `\` as it is, anything else through EncodeJsonCompact itself.
void AppendJsonString(std::string* out, std::string_view s) {
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      out->append(EncodeJsonCompact(Json(std::string(s))));
      return;
    }
  }
  out->push_back('"');
  out->append(s);
  out->push_back('"');
}

void AppendStringArray(std::string* out, const std::vector<std::string>& v) {
  out->push_back('[');
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(out, v[i]);
  }
  out->push_back(']');
}

// DescriptorJson(d), encoded. Go's compact encoding of a descriptor whose
// bytes are printable ASCII without escapes reads back and re-encodes to the
// same bytes (no floats, no duplicate keys), so it is taken as it is.
void AppendDescriptor(std::string* out, const Descriptor& d) {
  const std::string go = GoJsonDescriptor(d);
  for (char ch : go) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == '\\') {
      out->append(EncodeJsonCompact(DescriptorJson(d)));
      return;
    }
  }
  out->append(go);
}

// ImageSummaryJson(s, version, /*in_list=*/true), encoded.
void AppendListedSummary(std::string* out, const ImageSummary& s, bool none_pairs, bool descriptor,
                         bool virtual_size) {
  out->append("{\"Containers\":-1,\"Created\":");
  out->append(std::to_string(absl::ToUnixSeconds(s.created)));
  out->append(",\"Id\":");
  AppendJsonString(out, s.id.str());
  out->append(",\"Labels\":");
  if (!s.labels.has_value()) {
    out->append("null");
  } else {
    out->push_back('{');
    bool first = true;
    for (const auto& [k, v] : *s.labels) {
      if (!first) out->push_back(',');
      first = false;
      AppendJsonString(out, k);
      out->push_back(':');
      AppendJsonString(out, v);
    }
    out->push_back('}');
  }
  out->append(",\"ParentId\":");
  AppendJsonString(out, s.parent_id);
  if (descriptor) {
    out->append(",\"Descriptor\":");
    AppendDescriptor(out, s.target);
  }
  const bool none = none_pairs && s.repo_tags.empty() && s.repo_digests.empty();
  out->append(",\"RepoDigests\":");
  if (none) {
    out->append("[\"<none>@<none>\"]");
  } else {
    AppendStringArray(out, s.repo_digests);
  }
  out->append(",\"RepoTags\":");
  if (none) {
    out->append("[\"<none>:<none>\"]");
  } else {
    AppendStringArray(out, s.repo_tags);
  }
  out->append(",\"SharedSize\":");
  out->append(std::to_string(s.shared_size));
  out->append(",\"Size\":");
  out->append(std::to_string(s.size));
  if (virtual_size) {
    out->append(",\"VirtualSize\":");
    out->append(std::to_string(s.size));
  }
  out->push_back('}');
}

}  // namespace

Json DescriptorJson(const Descriptor& d) { return Json::parse(GoJsonDescriptor(d)); }

Json ImageSummaryJson(const ImageSummary& s, std::string_view api_version, bool in_list) {
  std::vector<std::string> tags = s.repo_tags;
  std::vector<std::string> digests = s.repo_digests;
  if (ApiVersionLessThan(api_version, "1.43") && tags.empty() && digests.empty()) {
    tags = {"<none>:<none>"};
    digests = {"<none>@<none>"};
  }
  Json j = Json::object();
  j["Containers"] = in_list ? int64_t{-1} : s.containers;
  j["Created"] = absl::ToUnixSeconds(s.created);
  j["Id"] = s.id.str();
  j["Labels"] = s.labels.has_value() ? JsonStringMap(*s.labels) : Json(nullptr);
  j["ParentId"] = s.parent_id;
  if (ApiVersionAtLeast(api_version, "1.48")) j["Descriptor"] = DescriptorJson(s.target);
  j["RepoDigests"] = JsonStrings(digests);
  j["RepoTags"] = JsonStrings(tags);
  j["SharedSize"] = s.shared_size;
  j["Size"] = s.size;
  if (ApiVersionLessThan(api_version, "1.44")) j["VirtualSize"] = s.size;
  return j;
}

std::string ImageListBody(const std::vector<ImageSummary>& list, std::string_view api_version) {
  const bool none_pairs = ApiVersionLessThan(api_version, "1.43");
  const bool descriptor = ApiVersionAtLeast(api_version, "1.48");
  const bool virtual_size = ApiVersionLessThan(api_version, "1.44");
  std::string out;
  out.reserve(list.size() * (descriptor ? 560 : 320) + 3);
  out.push_back('[');
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendListedSummary(&out, list[i], none_pairs, descriptor, virtual_size);
  }
  out.append("]\n");
  return out;
}

Json ImageInspectJson(const ImageInspect& i, std::string_view api_version) {
  Json j = Json::object();
  j["Id"] = i.id.str();
  j["RepoTags"] = JsonStrings(i.repo_tags);
  j["RepoDigests"] = JsonStrings(i.repo_digests);
  j["Parent"] = i.parent;
  j["Comment"] = i.comment;
  if (i.created.has_value()) j["Created"] = GoTimeJson(i.created);
  j["DockerVersion"] = i.docker_version;
  j["Author"] = i.author;
  j["Config"] = i.config;
  j["Architecture"] = i.architecture;
  if (!i.variant.empty()) j["Variant"] = i.variant;
  j["Os"] = i.os;
  if (!i.os_version.empty()) j["OsVersion"] = i.os_version;
  j["Size"] = i.size;
  if (ApiVersionLessThan(api_version, "1.44")) j["VirtualSize"] = i.size;
  j["GraphDriver"] = Json{{"Data", nullptr}, {"Name", i.graph_driver}};
  Json rootfs = Json::object();
  rootfs["Type"] = i.rootfs_type;
  if (!i.rootfs_layers.empty()) rootfs["Layers"] = JsonStrings(i.rootfs_layers);
  j["RootFS"] = rootfs;
  j["Metadata"] = Json{{"LastTagTime", GoTimeJson(i.last_tag_time)}};
  if (ApiVersionAtLeast(api_version, "1.48")) j["Descriptor"] = DescriptorJson(i.descriptor);
  return j;
}

Json ImageHistoryJson(const std::vector<ImageHistoryItem>& items) {
  Json out = Json::array();
  for (const ImageHistoryItem& h : items) {
    Json j = Json::object();
    j["Comment"] = h.comment;
    j["Created"] = h.created;
    j["CreatedBy"] = h.created_by;
    j["Id"] = h.id;
    j["Size"] = h.size;
    j["Tags"] = JsonStringsOrNull(h.tags);
    out.push_back(j);
  }
  return out;
}

Json ImageDeleteResponseJson(const std::vector<ReportItem>& items) {
  Json out = Json::array();
  for (const ReportItem& item : items) {
    Json j = Json::object();
    if (!item.deleted.empty()) j["Deleted"] = item.deleted;
    if (!item.untagged.empty()) j["Untagged"] = item.untagged;
    out.push_back(j);
  }
  return out;
}

}  // namespace reclaim
