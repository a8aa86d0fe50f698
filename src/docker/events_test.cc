#include "docker/events.h"

#include <thread>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

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

std::vector<std::string> Drain(EventStream& stream) {
  std::vector<std::string> actions;
  while (std::optional<Json> j = stream.Next(absl::Milliseconds(1))) {
    actions.push_back(j->at("Action").get<std::string>() + " " +
                      j->at("Actor").at("ID").get<std::string>());
  }
  return actions;
}

TEST(EventStreamTest, PastWindowReplaysMatchingEventsThenEnds) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  EventBus bus(clock);
  for (const char* action : {"tag", "untag", "delete", "untag"}) {
    bus.Publish(ImageEvent(action, std::string("sha256:") + action, ""));
    clock.Advance(absl::Seconds(10));
  }
  EventQuery q;
  q.since = absl::FromUnixSeconds(1010);
  q.until = absl::FromUnixSeconds(1025);
  std::unique_ptr<EventStream> window = bus.Open(q);
  EXPECT_EQ(Drain(*window), (std::vector<std::string>{"untag sha256:untag", "delete sha256:delete"}));
  EXPECT_TRUE(window->ended());

  q.until.reset();
  q.filters.Add("event", "untag");
  std::unique_ptr<EventStream> live = bus.Open(q);
  EXPECT_EQ(Drain(*live), (std::vector<std::string>{"untag sha256:untag", "untag sha256:untag"}));
  EXPECT_FALSE(live->ended());  // no `until`: it goes on with live events
  bus.Publish(ImageEvent("tag", "sha256:x", ""));
  bus.Publish(ImageEvent("untag", "sha256:y", ""));
  EXPECT_EQ(Drain(*live), (std::vector<std::string>{"untag sha256:y"}));
}

TEST(EventStreamTest, NoBoundsMeansNoReplay) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  EventBus bus(clock);
  bus.Publish(ImageEvent("tag", "sha256:old", ""));
  std::unique_ptr<EventStream> s = bus.Open({});
  EXPECT_FALSE(s->Next(absl::Milliseconds(1)).has_value());
  bus.Publish(ImageEvent("tag", "sha256:new", ""));
  EXPECT_EQ(Drain(*s), (std::vector<std::string>{"tag sha256:new"}));
}

TEST(EventStreamTest, LiveStreamEndsWhenUntilPassesOrTheBusCloses) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  EventBus bus(clock);
  EventQuery q;
  q.until = absl::FromUnixSeconds(1005);
  std::unique_ptr<EventStream> s = bus.Open(q);
  bus.Publish(ImageEvent("tag", "sha256:in", ""));
  clock.Advance(absl::Seconds(6));
  bus.Publish(ImageEvent("tag", "sha256:after", ""));
  EXPECT_EQ(Drain(*s), (std::vector<std::string>{"tag sha256:in"}));
  EXPECT_TRUE(s->ended());

  std::unique_ptr<EventStream> open = bus.Open({});
  EXPECT_FALSE(open->ended());
  bus.Close();
  EXPECT_FALSE(open->Next(absl::Seconds(10)).has_value());
  EXPECT_TRUE(open->ended());
}

}  // namespace
}  // namespace reclaim
