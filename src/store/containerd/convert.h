// File: store/containerd/convert.h
//
// The pure mapping between reclaim's store vocabulary (store/store.h) and
// containerd's gRPC messages (generated from containerd 1.6's API protos):
// status codes, timestamps, labels, descriptors, image/content/container/lease
// records, and the before/after diff that turns two listings into a
// CollectResult. No I/O; ContainerdStore does the calls.
//
// Containers: containerd's record has no name and no resolved image ID, so
// reclaim keeps them in the labels kNameLabel and kImageIdLabel, which are
// hidden from ContainerRecord::labels. A container made by another client
// (ctr, nerdctl) has neither: its name reads as its id and its image_id stays
// empty, so a caller must match such containers by `image` name.
//
// Thread-safety: stateless functions only.
#ifndef RECLAIM_STORE_CONTAINERD_CONVERT_H_
#define RECLAIM_STORE_CONTAINERD_CONVERT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "github.com/containerd/containerd/api/services/containers/v1/containers.pb.h"
#include "github.com/containerd/containerd/api/services/content/v1/content.pb.h"
#include "github.com/containerd/containerd/api/services/images/v1/images.pb.h"
#include "github.com/containerd/containerd/api/services/leases/v1/leases.pb.h"
#include "github.com/containerd/containerd/api/types/descriptor.pb.h"
#include "google/protobuf/map.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/support/status.h"
#include "store/store.h"

namespace reclaim::containerd_convert {

// Container labels reclaim owns (hidden from ContainerRecord::labels).
inline constexpr std::string_view kNameLabel = "io.reclaim.name";
inline constexpr std::string_view kImageIdLabel = "io.reclaim.image-id";
// What containerd requires of a container record it never runs.
inline constexpr std::string_view kSpecTypeUrl = "types.containerd.io/opencontainers/runtime-spec/1/Spec";
inline constexpr std::string_view kMinimalSpec = R"({"ociVersion":"1.0.2"})";

// A gRPC status as an absl::Status with the same code. `what` names the call
// ("Images.Delete"); `socket` the daemon's address. Transport failures
// (Unavailable: the daemon is down) and DeadlineExceeded (it did not answer;
// perhaps not a gRPC socket) name the socket; statuses containerd sent itself,
// including its own Unavailable ("ref … locked …: unavailable"), keep
// containerd's message (`image "x": not found`).
absl::Status FromGrpc(const grpc::Status& status, std::string_view what, std::string_view socket);

absl::Time FromProto(const google::protobuf::Timestamp& ts);  // unset: InfinitePast
void ToProto(absl::Time t, google::protobuf::Timestamp* ts);

Labels FromProto(const google::protobuf::Map<std::string, std::string>& map);
void ToProto(const Labels& labels, google::protobuf::Map<std::string, std::string>* map);

// containerd 1.6 descriptors carry media type, digest, size and annotations
// only: platform, urls and artifactType do not survive a round trip.
[[nodiscard]] absl::StatusOr<Descriptor> FromProto(const containerd::types::Descriptor& d);
void ToProto(const Descriptor& d, containerd::types::Descriptor* out);

[[nodiscard]] absl::StatusOr<ImageRecord> FromProto(
    const containerd::services::images::v1::Image& image);
void ToProto(const ImageRecord& image, containerd::services::images::v1::Image* out);

[[nodiscard]] absl::StatusOr<ContentInfo> FromProto(
    const containerd::services::content::v1::Info& info);

// The field-mask paths for UpdateContentLabels: "labels.<key>" per change
// (an empty value removes the key, since it is then absent from the labels).
std::vector<std::string> LabelPaths(const Labels& changes);

// `runtime` is the runtime name containerd requires ("io.containerd.runc.v2");
// `default_snapshotter` fills in a snapshot_key given without a snapshotter.
void ToProto(const ContainerRecord& c, std::string_view runtime,
             std::string_view default_snapshotter,
             containerd::services::containers::v1::Container* out);
ContainerRecord FromProto(const containerd::services::containers::v1::Container& c);

// Lease resource types: "content", "ingests", "snapshots/<snapshotter>".
std::string ResourceType(const LeaseResource& r, std::string_view default_snapshotter);
// nullopt for a type reclaim does not model.
std::optional<LeaseResource> FromProto(const containerd::services::leases::v1::Resource& r);

// Two listings around one collection: what is in `before` and not in `after`.
// Content is matched by digest, snapshots by (snapshotter, key), leases by id;
// `ignore_lease` (the collection's own throwaway lease) is never reported.
CollectResult Diff(const std::vector<ContentInfo>& before, const std::vector<ContentInfo>& after,
                   const std::vector<SnapshotUsage>& snaps_before,
                   const std::vector<SnapshotUsage>& snaps_after,
                   const std::vector<std::string>& leases_before,
                   const std::vector<std::string>& leases_after, std::string_view ignore_lease);

}  // namespace reclaim::containerd_convert

#endif  // RECLAIM_STORE_CONTAINERD_CONVERT_H_
