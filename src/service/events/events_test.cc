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

}  // namespace
}  // namespace reclaim
