#include "service/events/events.h"

#include "gtest/gtest.h"

namespace reclaim {
namespace {

TEST(ServiceEventsTest, ImageEventCopiesLabelsThenName) {
  std::map<std::string, std::string> labels = {{"maintainer", "x"}, {"name", "from-label"}};
  Event e = ImageEvent("tag", "sha256:abc", "alpine:3", &labels);
  EXPECT_EQ(e.type, "image");
  EXPECT_EQ(e.action, "tag");
  EXPECT_EQ(e.actor_id, "sha256:abc");
  // moby copies the labels first, so `name` wins over a label of that key.
  EXPECT_EQ(e.attributes, (std::map<std::string, std::string>{{"maintainer", "x"},
                                                               {"name", "alpine:3"}}));
}

TEST(ServiceEventsTest, ImageEventWithoutNameOrLabels) {
  Event e = ImageEvent("delete", "sha256:abc", "");
  EXPECT_TRUE(e.attributes.empty());
}

TEST(ServiceEventsTest, PruneEventHasNoActorAndReclaimedBytes) {
  Event e = PruneEvent("image", 1234);
  EXPECT_EQ(e.type, "image");
  EXPECT_EQ(e.action, "prune");
  EXPECT_EQ(e.actor_id, "");
  EXPECT_EQ(e.attributes, (std::map<std::string, std::string>{{"reclaimed", "1234"}}));
}

TEST(ServiceEventsTest, ContainerEventNamesImageAndName) {
  Event e = ContainerEvent("create", "c1", "busybox", "web", {{"image", "label"}, {"a", "b"}});
  EXPECT_EQ(e.attributes, (std::map<std::string, std::string>{
                              {"a", "b"}, {"image", "busybox"}, {"name", "web"}}));
}

class RecordingSink : public EventSink {
 public:
  void Publish(Event e) override { events.push_back(std::move(e)); }
  std::vector<Event> events;
};

TEST(ServiceEventsTest, PublishToSkipsANullSink) {
  PublishTo(nullptr, PruneEvent("image", 1));
  RecordingSink sink;
  PublishTo(&sink, PruneEvent("image", 2));
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].attributes.at("reclaimed"), "2");
}

class FiguresSink : public EventSink {
 public:
  void Publish(Event e) override { events.push_back(std::move(e)); }
  void Finished(const OperationRecord& r) override { records.push_back(r); }
  std::vector<Event> events;
  std::vector<OperationRecord> records;
};

TEST(OperationTimerTest, ReportsDurationAndOutcome) {
  FakeClock clock(absl::FromUnixSeconds(100));
  FiguresSink sink;
  {
    OperationTimer t(&sink, clock, "pull");
    clock.Advance(absl::Seconds(3));
    t.Succeeded(1234, 2);
  }
  { OperationTimer failed(&sink, clock, "load"); }
  { OperationTimer nowhere(nullptr, clock, "save"); }
  ASSERT_EQ(sink.records.size(), 2u);
  EXPECT_EQ(sink.records[0].kind, "pull");
  EXPECT_TRUE(sink.records[0].ok);
  EXPECT_EQ(sink.records[0].duration, absl::Seconds(3));
  EXPECT_EQ(sink.records[0].bytes, 1234u);
  EXPECT_EQ(sink.records[0].items, 2u);
  EXPECT_EQ(sink.records[1].kind, "load");
  EXPECT_FALSE(sink.records[1].ok);
}

TEST(OperationLogTest, OneKeyValueLinePerOperation) {
  EXPECT_EQ(OperationLog::Line({.kind = "image_prune", .ok = true,
                                .duration = absl::Milliseconds(12), .bytes = 1234, .items = 3,
                                .errors = 1}),
            "image_prune: ok deleted=3 bytes=1234 errors=1 duration=12ms");
  EXPECT_EQ(OperationLog::Line({.kind = "pull", .ok = true, .duration = absl::Seconds(2),
                                .bytes = 10}),
            "pull: ok bytes=10 duration=2s");
  EXPECT_EQ(OperationLog::Line({.kind = "load", .ok = false, .duration = absl::Seconds(1)}),
            "load: failed duration=1s");
}

TEST(EventFanoutTest, EverySinkGetsEverything) {
  FiguresSink a, b;
  EventFanout both({&a, &b});
  both.Publish(PruneEvent("image", 7));
  both.Finished({.kind = "image_prune", .ok = true});
  for (FiguresSink* s : {&a, &b}) {
    ASSERT_EQ(s->events.size(), 1u);
    EXPECT_EQ(s->events[0].attributes.at("reclaimed"), "7");
    ASSERT_EQ(s->records.size(), 1u);
  }
}

}  // namespace
}  // namespace reclaim
