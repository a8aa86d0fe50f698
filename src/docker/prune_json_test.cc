// File: docker/prune_json_test.cc
#include "docker/prune_json.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

const std::string kD1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const std::string kD2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

Report WithItems(std::vector<ReportItem> items, uint64_t space) {
  Report r;
  r.images_deleted = std::move(items);
  r.space_reclaimed = space;
  return r;
}

struct ReportCase {
  std::string name;
  Report report;
  std::string body;  // EncodeJsonCompact: the API body without its newline
  std::string cli;   // dump(): what the CLI prints
};

TEST(ImagesPruneReportJsonTest, DockersShapeAndGoStrings) {
  const std::vector<ReportCase> cases = {
      {"empty", Report{}, R"({"ImagesDeleted":null,"SpaceReclaimed":0})",
       R"({"ImagesDeleted":null,"SpaceReclaimed":0})"},
      {"one image",
       WithItems(
           {ReportItem::Untagged("busybox:a"), ReportItem::Deleted(kD1), ReportItem::Deleted(kD2)},
           1234567),
       R"({"ImagesDeleted":[{"Untagged":"busybox:a"},{"Deleted":")" + kD1 + R"("},{"Deleted":")" +
           kD2 + R"("}],"SpaceReclaimed":1234567})",
       R"({"ImagesDeleted":[{"Untagged":"busybox:a"},{"Deleted":")" + kD1 + R"("},{"Deleted":")" +
           kD2 + R"("}],"SpaceReclaimed":1234567})"},
      {"errors are not rendered",
       [] {
         Report r = WithItems({ReportItem::Untagged("a:1")}, 1000);
         r.errors = {{"x", absl::InternalError("boom")}};
         return r;
       }(),
       R"({"ImagesDeleted":[{"Untagged":"a:1"}],"SpaceReclaimed":1000})",
       R"({"ImagesDeleted":[{"Untagged":"a:1"}],"SpaceReclaimed":1000})"},
      {"uint64 max", WithItems({ReportItem::Deleted(kD1)}, 18446744073709551615ull),
       R"({"ImagesDeleted":[{"Deleted":")" + kD1 + R"("}],"SpaceReclaimed":18446744073709551615})",
       R"({"ImagesDeleted":[{"Deleted":")" + kD1 + R"("}],"SpaceReclaimed":18446744073709551615})"},
      {"both fields in Go's order, none left out", WithItems({{"u", "d"}, {"", ""}}, 0),
       R"({"ImagesDeleted":[{"Deleted":"d","Untagged":"u"},{}],"SpaceReclaimed":0})",
       R"({"ImagesDeleted":[{"Deleted":"d","Untagged":"u"},{}],"SpaceReclaimed":0})"},
      {"escapes", WithItems({ReportItem::Untagged("we\"ird\n<&>")}, 0),
       R"({"ImagesDeleted":[{"Untagged":"we\"ird\n<&>"}],"SpaceReclaimed":0})",
       R"({"ImagesDeleted":[{"Untagged":"we\"ird\n<&>"}],"SpaceReclaimed":0})"},
      {"U+2028: escaped in the body, raw in the CLI",
       WithItems({ReportItem::Untagged("a\xe2\x80\xa8"
                                       "b")},
                 0),
       R"({"ImagesDeleted":[{"Untagged":"a\u2028b"}],"SpaceReclaimed":0})",
       "{\"ImagesDeleted\":[{\"Untagged\":\"a\xe2\x80\xa8"
       "b\"}],\"SpaceReclaimed\":0}"},
      // Go replaces each byte of a broken sequence (nlohmann would write one U+FFFD).
      {"invalid UTF-8 as Go", WithItems({ReportItem::Untagged("x\xe2\x82y\xff")}, 0),
       "{\"ImagesDeleted\":[{\"Untagged\":\"x\xef\xbf\xbd\xef\xbf\xbdy\xef\xbf\xbd\"}],"
       "\"SpaceReclaimed\":0}",
       "{\"ImagesDeleted\":[{\"Untagged\":\"x\xef\xbf\xbd\xef\xbf\xbdy\xef\xbf\xbd\"}],"
       "\"SpaceReclaimed\":0}"},
      {"valid UTF-8 kept", WithItems({ReportItem::Untagged("caf\xc3\xa9:1")}, 0),
       "{\"ImagesDeleted\":[{\"Untagged\":\"caf\xc3\xa9:1\"}],\"SpaceReclaimed\":0}",
       "{\"ImagesDeleted\":[{\"Untagged\":\"caf\xc3\xa9:1\"}],\"SpaceReclaimed\":0}"},
  };
  for (const ReportCase& c : cases) {
    SCOPED_TRACE(c.name);
    const Json j = ImagesPruneReportJson(c.report);
    EXPECT_EQ(EncodeJsonCompact(j), c.body);
    EXPECT_EQ(j.dump(), c.cli);
    // The same value as the service's compact rendering (which its own tests
    // and the benchmarks read), and what the API and CLI sent before they
    // built the tree directly.
    EXPECT_EQ(j, Json::parse(ReportJson(c.report)));
  }
}

TEST(ReclaimPruneReportJsonTest, AddsTheSnapshotLabelsReleased) {
  Report none = WithItems({ReportItem::Untagged("a:1")}, 5);
  Report released = none;
  released.snapshot_labels_released = {*Digest::Parse(kD1), *Digest::Parse(kD2)};
  Report leftovers = none;
  leftovers.leftover_reclaimed = 17000000;
  struct Case {
    Report report;
    std::string want;
  };
  const std::vector<Case> cases = {
      {Report{}, R"({"ImagesDeleted":null,"SpaceReclaimed":0,"SnapshotLabelsReleased":[],"LeftoverReclaimed":0})"},
      {none,
       R"({"ImagesDeleted":[{"Untagged":"a:1"}],"SpaceReclaimed":5,"SnapshotLabelsReleased":[],"LeftoverReclaimed":0})"},
      {released, R"({"ImagesDeleted":[{"Untagged":"a:1"}],"SpaceReclaimed":5,)"
                 R"("SnapshotLabelsReleased":[")" +
                     kD1 + R"(",")" + kD2 + R"("],"LeftoverReclaimed":0})"},
  };
  for (const Case& c : cases) EXPECT_EQ(ReclaimPruneReportJson(c.report).dump(), c.want);
  EXPECT_EQ(ReclaimPruneReportJson(leftovers)["LeftoverReclaimed"], 17000000);
  // Docker's body is Docker's: the leftovers are not in it.
  EXPECT_FALSE(ImagesPruneReportJson(leftovers).contains("LeftoverReclaimed"));
}

TEST(PartialPruneErrorTest, KeepsTheCodeAndSaysWhatWasPruned) {
  struct Case {
    absl::Status errors;
    Report report;
    absl::StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {absl::DataLossError("a:1: blob vanished\nb:2: boom"),
       WithItems(
           {ReportItem::Untagged("c:3"), ReportItem::Deleted(kD1), ReportItem::Untagged("d:4")},
           1234567),
       absl::StatusCode::kDataLoss,
       "a:1: blob vanished\nb:2: boom\n(pruned anyway: 2 image(s), 1.235MB reclaimed)"},
      {absl::InvalidArgumentError("x: bad config"), Report{}, absl::StatusCode::kInvalidArgument,
       "x: bad config\n(pruned anyway: 0 image(s), 0B reclaimed)"},
  };
  for (const Case& c : cases) {
    const absl::Status s = PartialPruneError(c.errors, c.report);
    EXPECT_EQ(s.code(), c.code);
    EXPECT_EQ(s.message(), c.message);
  }
}

}  // namespace
}  // namespace reclaim
