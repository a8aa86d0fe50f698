#include "store/containerd/convert.h"

#include <algorithm>
#include <set>
#include <utility>

namespace reclaim::containerd_convert {

namespace ctrpb = containerd::services::containers::v1;
namespace contentpb = containerd::services::content::v1;
namespace imagespb = containerd::services::images::v1;
namespace leasespb = containerd::services::leases::v1;

absl::Status FromGrpc(const grpc::Status& status, std::string_view what, std::string_view socket) {
  if (status.ok()) return absl::OkStatus();
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  const std::string where(socket);
  const std::string call(what);
  const std::string& msg = status.error_message();
  // containerd's own Unavailable (a ref locked by another writer) reads
  // "...: unavailable"; anything else is the transport failing.
  static constexpr std::string_view kErrdefs = "unavailable";
  const bool from_containerd =
      msg.size() >= kErrdefs.size() &&
      msg.compare(msg.size() - kErrdefs.size(), kErrdefs.size(), kErrdefs) == 0;
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      if (from_containerd) return absl::UnavailableError(msg);
      return absl::UnavailableError("containerd is not reachable at " + where + " (" + call +
                                    "): " + status.error_message());
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::DeadlineExceededError("containerd at " + where + " did not answer " + call +
                                         " in time (is it containerd's gRPC socket?): " +
                                         status.error_message());
    default:
      return absl::Status(code, status.error_message());
  }
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return absl::InfinitePast();
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

void ToProto(absl::Time t, google::protobuf::Timestamp* ts) {
  const int64_t s = absl::ToUnixSeconds(t);
  ts->set_seconds(s);
  ts->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(s))));
}

Labels FromProto(const google::protobuf::Map<std::string, std::string>& map) {
  return Labels(map.begin(), map.end());
}

void ToProto(const Labels& labels, google::protobuf::Map<std::string, std::string>* map) {
  map->clear();
  for (const auto& [k, v] : labels) (*map)[k] = v;
}

absl::StatusOr<Descriptor> FromProto(const containerd::types::Descriptor& d) {
  Descriptor out;
  absl::StatusOr<Digest> digest = Digest::Parse(d.digest());
  if (!digest.ok()) {
    return absl::DataLossError("containerd descriptor digest \"" + d.digest() +
                               "\": " + std::string(digest.status().message()));
  }
  out.media_type = d.media_type();
  out.digest = *std::move(digest);
  out.size = d.size();
  out.annotations = FromProto(d.annotations());
  return out;
}

void ToProto(const Descriptor& d, containerd::types::Descriptor* out) {
  out->set_media_type(d.media_type);
  out->set_digest(d.digest.str());
  out->set_size(d.size);
  ToProto(d.annotations, out->mutable_annotations());
}

absl::StatusOr<ImageRecord> FromProto(const imagespb::Image& image) {
  ImageRecord out;
  out.name = image.name();
  absl::StatusOr<Descriptor> target = FromProto(image.target());
  if (!target.ok()) {
    return absl::Status(target.status().code(),
                        "image \"" + image.name() + "\": " + std::string(target.status().message()));
  }
  out.target = *std::move(target);
  out.labels = FromProto(image.labels());
  out.created_at = FromProto(image.created_at());
  out.updated_at = FromProto(image.updated_at());
  return out;
}

void ToProto(const ImageRecord& image, imagespb::Image* out) {
  out->set_name(image.name);
  ToProto(image.target, out->mutable_target());
  ToProto(image.labels, out->mutable_labels());
}

absl::StatusOr<ContentInfo> FromProto(const contentpb::Info& info) {
  absl::StatusOr<Digest> digest = Digest::Parse(info.digest());
  if (!digest.ok()) {
    return absl::DataLossError("containerd content digest \"" + info.digest() +
                               "\": " + std::string(digest.status().message()));
  }
  ContentInfo out;
  out.digest = *std::move(digest);
  out.size = info.size();
  out.labels = FromProto(info.labels());
  out.created_at = FromProto(info.created_at());
  out.updated_at = FromProto(info.updated_at());
  return out;
}

std::vector<std::string> LabelPaths(const Labels& changes) {
  std::vector<std::string> paths;
  paths.reserve(changes.size());
  for (const auto& [k, v] : changes) paths.push_back("labels." + k);
  return paths;
}

void ToProto(const ContainerRecord& c, std::string_view runtime,
             std::string_view default_snapshotter, ctrpb::Container* out) {
  out->set_id(c.id);
  ToProto(c.labels, out->mutable_labels());
  if (!c.name.empty()) (*out->mutable_labels())[std::string(kNameLabel)] = c.name;
  if (c.image_id.valid()) (*out->mutable_labels())[std::string(kImageIdLabel)] = c.image_id.str();
  out->set_image(c.image);
  out->mutable_runtime()->set_name(std::string(runtime));
  out->mutable_spec()->set_type_url(std::string(kSpecTypeUrl));
  out->mutable_spec()->set_value(std::string(kMinimalSpec));
  if (!c.snapshot_key.empty()) {
    out->set_snapshotter(c.snapshotter.empty() ? std::string(default_snapshotter) : c.snapshotter);
    out->set_snapshot_key(c.snapshot_key);
  } else if (!c.snapshotter.empty()) {
    out->set_snapshotter(c.snapshotter);
  }
  for (const auto& [name, ext] : c.extensions) {
    google::protobuf::Any& any = (*out->mutable_extensions())[name];
    any.set_type_url(ext.type_url);
    any.set_value(ext.value);
  }
}

ContainerRecord FromProto(const ctrpb::Container& c) {
  ContainerRecord out;
  out.id = c.id();
  out.labels = FromProto(c.labels());
  if (auto it = out.labels.find(std::string(kNameLabel)); it != out.labels.end()) {
    out.name = it->second;
    out.labels.erase(it);
  } else {
    out.name = c.id();
  }
  if (auto it = out.labels.find(std::string(kImageIdLabel)); it != out.labels.end()) {
    absl::StatusOr<Digest> d = Digest::Parse(it->second);
    if (d.ok()) out.image_id = *std::move(d);
    out.labels.erase(it);
  }
  out.image = c.image();
  out.snapshotter = c.snapshotter();
  out.snapshot_key = c.snapshot_key();
  out.created_at = FromProto(c.created_at());
  for (const auto& [name, any] : c.extensions()) {
    out.extensions[name] = ContainerExtension{any.type_url(), any.value()};
  }
  return out;
}

std::string ResourceType(const LeaseResource& r, std::string_view default_snapshotter) {
  switch (r.type) {
    case LeaseResourceType::kContent:
      return "content";
    case LeaseResourceType::kIngest:
      return "ingests";
    case LeaseResourceType::kSnapshot:
      return "snapshots/" +
             (r.snapshotter.empty() ? std::string(default_snapshotter) : r.snapshotter);
  }
  return "";
}

std::optional<LeaseResource> FromProto(const leasespb::Resource& r) {
  static constexpr std::string_view kSnapshots = "snapshots/";
  const std::string& type = r.type();
  if (type == "content") return LeaseResource{LeaseResourceType::kContent, r.id(), ""};
  if (type == "ingests") return LeaseResource{LeaseResourceType::kIngest, r.id(), ""};
  if (type.size() > kSnapshots.size() && type.compare(0, kSnapshots.size(), kSnapshots) == 0) {
    return LeaseResource{LeaseResourceType::kSnapshot, r.id(), type.substr(kSnapshots.size())};
  }
  return std::nullopt;
}

CollectResult Diff(const std::vector<ContentInfo>& before, const std::vector<ContentInfo>& after,
                   const std::vector<SnapshotUsage>& snaps_before,
                   const std::vector<SnapshotUsage>& snaps_after,
                   const std::vector<std::string>& leases_before,
                   const std::vector<std::string>& leases_after, std::string_view ignore_lease) {
  CollectResult out;
  std::set<Digest> still;
  for (const auto& c : after) still.insert(c.digest);
  for (const auto& c : before) {
    if (!still.contains(c.digest)) out.removed_content.push_back(c);
  }
  std::sort(out.removed_content.begin(), out.removed_content.end(),
            [](const ContentInfo& a, const ContentInfo& b) { return a.digest < b.digest; });

  std::set<std::pair<std::string, std::string>> snaps;
  for (const auto& s : snaps_after) snaps.emplace(s.snapshotter, s.key);
  for (const auto& s : snaps_before) {
    if (!snaps.contains({s.snapshotter, s.key})) out.removed_snapshots.push_back(s);
  }

  const std::set<std::string> leases(leases_after.begin(), leases_after.end());
  for (const auto& id : leases_before) {
    if (id != ignore_lease && !leases.contains(id)) out.removed_leases.push_back(id);
  }
  std::sort(out.removed_leases.begin(), out.removed_leases.end());
  return out;
}

}  // namespace reclaim::containerd_convert
