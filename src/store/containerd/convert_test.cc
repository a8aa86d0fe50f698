#include "store/containerd/convert.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace reclaim::containerd_convert {
namespace {

namespace ctrpb = containerd::services::containers::v1;
namespace imagespb = containerd::services::images::v1;
namespace leasespb = containerd::services::leases::v1;

TEST(FromGrpcTest, KeepsCodesAndNamesTheSocketWhenUnreachable) {
  struct Case {
    grpc::StatusCode code;
    std::string message;
    absl::StatusCode want;
    std::vector<std::string> contains;
  };
  const std::vector<Case> cases = {
      {grpc::StatusCode::NOT_FOUND, "image \"a\": not found", absl::StatusCode::kNotFound,
       {"image \"a\": not found"}},
      {grpc::StatusCode::ALREADY_EXISTS, "lease \"x\": already exists",
       absl::StatusCode::kAlreadyExists, {"lease \"x\": already exists"}},
      {grpc::StatusCode::FAILED_PRECONDITION, "namespace is required",
       absl::StatusCode::kFailedPrecondition, {"namespace is required"}},
      {grpc::StatusCode::INVALID_ARGUMENT, "bad", absl::StatusCode::kInvalidArgument, {"bad"}},
      {grpc::StatusCode::UNAVAILABLE, "failed to connect to all addresses",
       absl::StatusCode::kUnavailable,
       {"containerd is not reachable at /run/x.sock", "Images.List",
        "failed to connect to all addresses"}},
      {grpc::StatusCode::UNAVAILABLE, "ref default/1/x locked for 1s (since now): unavailable",
       absl::StatusCode::kUnavailable, {"ref default/1/x locked"}},
      {grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded",
       absl::StatusCode::kDeadlineExceeded, {"/run/x.sock", "Images.List", "in time"}},
  };
  for (const Case& c : cases) {
    absl::Status s = FromGrpc(grpc::Status(c.code, c.message), "Images.List", "/run/x.sock");
    EXPECT_EQ(s.code(), c.want) << c.message;
    if (c.message.find("locked") != std::string::npos) {
      EXPECT_EQ(std::string(s.message()), c.message);  // not blamed on the transport
    }
    for (const std::string& part : c.contains) {
      EXPECT_NE(std::string(s.message()).find(part), std::string::npos) << s << " lacks " << part;
    }
  }
  EXPECT_TRUE(FromGrpc(grpc::Status::OK, "x", "y").ok());
}

TEST(TimestampTest, RoundTripsAndUnsetIsInfinitePast) {
  const std::vector<absl::Time> times = {
      absl::FromUnixSeconds(0) + absl::Nanoseconds(1),
      absl::FromUnixSeconds(1700000000) + absl::Nanoseconds(123456789),
      absl::FromUnixSeconds(978307200),
  };
  for (absl::Time t : times) {
    google::protobuf::Timestamp ts;
    ToProto(t, &ts);
    EXPECT_EQ(FromProto(ts), t) << t;
  }
  EXPECT_EQ(FromProto(google::protobuf::Timestamp()), absl::InfinitePast());
}

TEST(ImageTest, RoundTripsWhatContainerdKeepsAndRejectsBadDigests) {
  ImageRecord r;
  r.name = "docker.io/library/a:1";
  r.target.media_type = "application/vnd.oci.image.manifest.v1+json";
  r.target.digest = Digest::Sha256Of("m");
  r.target.size = 42;
  r.target.annotations = {{"io.containerd.image.name", "docker.io/library/a:1"}};
  r.labels = {{"k", "v"}};
  imagespb::Image pb;
  ToProto(r, &pb);
  EXPECT_EQ(pb.target().digest(), r.target.digest.str());
  auto back = FromProto(pb);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->name, r.name);
  EXPECT_EQ(back->target, r.target);
  EXPECT_EQ(back->labels, r.labels);

  pb.mutable_target()->set_digest("sha512:abc");
  auto bad = FromProto(pb);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(std::string(bad.status().message()).find("docker.io/library/a:1"), std::string::npos);
}

TEST(LabelPathsTest, OnePathPerChangeIncludingRemovals) {
  EXPECT_EQ(LabelPaths({{"a", ""}, {"containerd.io/gc.root", "1"}}),
            (std::vector<std::string>{"labels.a", "labels.containerd.io/gc.root"}));
  EXPECT_TRUE(LabelPaths({}).empty());
}

TEST(ContainerTest, NameAndImageIdTravelInHiddenLabels) {
  struct Case {
    std::string label_name;
    ContainerRecord in;
    std::string want_snapshotter;
  };
  ContainerRecord full;
  full.id = std::string(64, 'a');
  full.name = "web";
  full.image = "busybox";
  full.image_id = Digest::Sha256Of("manifest");
  full.labels = {{"x", "y"}};
  ContainerRecord snap = full;
  snap.snapshot_key = "k1";
  ContainerRecord other_snap = snap;
  other_snap.snapshotter = "native";
  const std::vector<Case> cases = {
      {"plain", full, ""},
      {"snapshot key gets the default snapshotter", snap, "overlayfs"},
      {"explicit snapshotter wins", other_snap, "native"},
  };
  for (const Case& c : cases) {
    ctrpb::Container pb;
    ToProto(c.in, "io.containerd.runc.v2", "overlayfs", &pb);
    EXPECT_EQ(pb.runtime().name(), "io.containerd.runc.v2") << c.label_name;
    EXPECT_EQ(pb.spec().type_url(), kSpecTypeUrl) << c.label_name;
    EXPECT_EQ(pb.image(), "busybox") << c.label_name;
    EXPECT_EQ(pb.labels().at(std::string(kNameLabel)), "web") << c.label_name;
    EXPECT_EQ(pb.labels().at(std::string(kImageIdLabel)), c.in.image_id.str()) << c.label_name;
    EXPECT_EQ(pb.snapshotter(), c.want_snapshotter) << c.label_name;
    ContainerRecord back = FromProto(pb);
    EXPECT_EQ(back.id, c.in.id) << c.label_name;
    EXPECT_EQ(back.name, "web") << c.label_name;
    EXPECT_EQ(back.image_id, c.in.image_id) << c.label_name;
    EXPECT_EQ(back.labels, c.in.labels) << c.label_name;  // reclaim's labels are hidden
    EXPECT_EQ(back.snapshot_key, c.in.snapshot_key) << c.label_name;
  }
}

TEST(ContainerTest, ForeignContainerReadsItsIdAsName) {
  ctrpb::Container pb;
  pb.set_id("c1");
  pb.set_image("docker.io/library/x:1");
  (*pb.mutable_labels())["io.containerd.image.config.stop-signal"] = "SIGTERM";
  ContainerRecord c = FromProto(pb);
  EXPECT_EQ(c.name, "c1");
  EXPECT_FALSE(c.image_id.valid());
  EXPECT_EQ(c.image, "docker.io/library/x:1");
  EXPECT_EQ(c.labels.size(), 1u);
}

TEST(LeaseResourceTest, TypesRoundTrip) {
  const std::vector<std::pair<LeaseResource, std::string>> cases = {
      {{LeaseResourceType::kContent, "sha256:aa", ""}, "content"},
      {{LeaseResourceType::kIngest, "ref-1", ""}, "ingests"},
      {{LeaseResourceType::kSnapshot, "key", "native"}, "snapshots/native"},
  };
  for (const auto& [res, type] : cases) {
    EXPECT_EQ(ResourceType(res, "overlayfs"), type);
    leasespb::Resource pb;
    pb.set_id(res.id);
    pb.set_type(type);
    auto back = FromProto(pb);
    ASSERT_TRUE(back.has_value()) << type;
    EXPECT_EQ(*back, res);
  }
  EXPECT_EQ(ResourceType({LeaseResourceType::kSnapshot, "k", ""}, "overlayfs"),
            "snapshots/overlayfs");
  leasespb::Resource odd;
  odd.set_type("snapshots/");
  EXPECT_FALSE(FromProto(odd).has_value());
  odd.set_type("something");
  EXPECT_FALSE(FromProto(odd).has_value());
}

ContentInfo Blob(const std::string& s) {
  ContentInfo c;
  c.digest = Digest::Sha256Of(s);
  c.size = static_cast<int64_t>(s.size());
  return c;
}

SnapshotUsage Snap(const std::string& key) {
  SnapshotUsage s;
  s.snapshotter = "overlayfs";
  s.key = key;
  s.size = 7;
  return s;
}

TEST(DiffTest, ReportsWhatWentSortedAndIgnoresTheCollectLease) {
  const ContentInfo a = Blob("a"), b = Blob("b"), c = Blob("c");
  CollectResult r = Diff({c, a, b}, {b}, {Snap("s1"), Snap("s2")}, {Snap("s2")},
                         {"old", "mine", "keep"}, {"keep"}, "mine");
  std::vector<Digest> removed;
  for (const auto& x : r.removed_content) removed.push_back(x.digest);
  std::vector<Digest> want = {a.digest, c.digest};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(removed, want);
  ASSERT_EQ(r.removed_snapshots.size(), 1u);
  EXPECT_EQ(r.removed_snapshots[0].key, "s1");
  EXPECT_EQ(r.removed_snapshots[0].size, 7);
  EXPECT_EQ(r.removed_leases, (std::vector<std::string>{"old"}));

  CollectResult none = Diff({a}, {a, b}, {}, {}, {}, {"new"}, "");
  EXPECT_TRUE(none.removed_content.empty());
  EXPECT_TRUE(none.removed_leases.empty());
}

}  // namespace
}  // namespace reclaim::containerd_convert
