#include "docker/events.h"

#include <thread>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

Event ImageEvent(std::string action, std::string id, std::string name) {
  Event e;
  e.type = "image";
  e.action = std::move(action);
  e.actor_id = std::move(id);
  if (!name.empty()) e.attributes["name"] = std::move(name);
  return e;
}

TEST(EventJsonTest, ImageEventInMobysShape) {
  Event e = ImageEvent("untag", "sha256:abc", "alpine:3");
  e.attributes["maintainer"] = "x";
  e.time = absl::FromUnixNanos(1700000000123456789);
  EXPECT_EQ(EncodeJsonCompact(EventJson(e)),
            R"({"status":"untag","id":"sha256:abc","Type":"image","Action":"untag",)"
            R"("Actor":{"ID":"sha256:abc","Attributes":{"maintainer":"x","name":"alpine:3"}},)"
            R"("scope":"local","time":1700000000,"timeNano":1700000000123456789})");
}

TEST(EventJsonTest, PruneEventHasEmptyActorAndNoId) {
  Event e = ImageEvent("prune", "", "");
  e.attributes["reclaimed"] = "1234";
  Json j = EventJson(e);
  EXPECT_FALSE(j.contains("id"));
  EXPECT_EQ(j["Actor"]["ID"], "");
  EXPECT_EQ(j["Actor"]["Attributes"]["reclaimed"], "1234");
}

TEST(EventJsonTest, ContainerEventCarriesFrom) {
  Event e{.type = "container", .action = "create", .actor_id = "c1",
          .attributes = {{"image", "busybox"}, {"name", "web"}}};
  Json j = EventJson(e);
  EXPECT_EQ(j["from"], "busybox");
  EXPECT_EQ(j["status"], "create");
}

TEST(EventFilterTest, MobysRules) {
  Event untag = ImageEvent("untag", "sha256:abc", "alpine:3");
  untag.attributes["team"] = "a";
  FilterArgs f;
  EXPECT_TRUE(EventMatches(untag, f));
  f.Add("type", "image");
  f.Add("event", "untag");
  EXPECT_TRUE(EventMatches(untag, f));
  f.Add("image", "alpine");  // the tag is stripped
  EXPECT_TRUE(EventMatches(untag, f));
  FilterArgs other;
  other.Add("event", "delete");
  EXPECT_FALSE(EventMatches(untag, other));
  FilterArgs label;
  label.Add("label", "team=a");
  EXPECT_TRUE(EventMatches(untag, label));
  label.Add("label", "team=b");
  EXPECT_FALSE(EventMatches(untag, label));
  FilterArgs container;
  container.Add("container", "web");
  EXPECT_FALSE(EventMatches(untag, container));
  FilterArgs bad;
  bad.Add("colour", "red");
  EXPECT_EQ(ValidateEventFilters(bad).message(), "invalid filter 'colour'");
}

TEST(EventBusTest, KeepsTheLast256AndReplaysSince) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  EventBus bus(clock);
  for (int i = 0; i < 300; ++i) {
    bus.Publish(ImageEvent("tag", "sha256:" + std::to_string(i), ""));
    clock.Advance(absl::Seconds(1));
  }
  std::vector<Event> recent = bus.Recent();
  ASSERT_EQ(recent.size(), 256u);
  EXPECT_EQ(recent.front().actor_id, "sha256:44");
  EXPECT_EQ(recent.front().time, absl::FromUnixSeconds(1044));
  std::vector<Event> past;
  auto sub = bus.Subscribe(absl::FromUnixSeconds(1297), &past);
  ASSERT_EQ(past.size(), 3u);
  EXPECT_EQ(past[0].actor_id, "sha256:297");
}

TEST(EventBusTest, LiveEventsReachSubscribersAndCloseEndsThem) {
  FakeClock clock;
  EventBus bus(clock);
  auto sub = bus.Subscribe(absl::InfiniteFuture(), nullptr);
  EXPECT_FALSE(sub->Next(absl::Milliseconds(1)).has_value());
  std::thread publisher([&] { bus.Publish(ImageEvent("delete", "sha256:x", "")); });
  std::optional<Event> e = sub->Next(absl::Seconds(10));
  publisher.join();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->action, "delete");
  EXPECT_FALSE(sub->closed());
  bus.Close();
  EXPECT_FALSE(sub->Next(absl::Seconds(10)).has_value());
  EXPECT_TRUE(sub->closed());
}

}  // namespace
}  // namespace reclaim
