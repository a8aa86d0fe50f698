// File: docker/events.h
//
// Docker's events (specs/observability.md C2): what reclaim records when an
// image or container changes, the bus that keeps the last ones and hands them
// to `GET /events` subscribers, moby's filter rules and moby's JSON Message.
//
//   EventBus bus(clock);                       // the last 256 events
//   bus.Publish({.type = "image", .action = "tag", .actor_id = id,
//                .attributes = {{"name", "alpine:3"}}});
//   std::vector<Event> past;
//   auto sub = bus.Subscribe(since, &past);    // replay, then live
//   while (auto e = sub->Next(absl::Seconds(1))) ...
//
// Publish stamps the event with the bus's clock. A subscription that falls
// more than `capacity` events behind loses the oldest ones (a slow client
// never blocks a publisher). Close() ends every subscription (server stop).
//
// Thread-safety: EventBus and Subscription are safe for concurrent use.
#ifndef RECLAIM_DOCKER_EVENTS_H_
#define RECLAIM_DOCKER_EVENTS_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/filters.h"
#include "docker/json.h"
#include "platform/clock.h"

namespace reclaim {

struct Event {
  std::string type;    // "image", "container"
  std::string action;  // "tag", "untag", "delete", "prune", "load", "create", "destroy", …
  std::string actor_id;
  std::map<std::string, std::string> attributes;  // "name", image labels, "reclaimed"
  absl::Time time;                                // set by Publish
};

// moby's events.Message in its field order: status/id/from (deprecated, for
// container and image events), Type, Action, Actor{ID, Attributes}, scope,
// time, timeNano.
Json EventJson(const Event& event);

// The filter keys `GET /events` accepts (moby's); others: `invalid filter 'x'`.
absl::Status ValidateEventFilters(const FilterArgs& filters);
// moby's daemon/events Filter.Include: type, event, image, container, label,
// scope ("local"); keys reclaim has no objects for (network, volume, …) match
// no image or container event.
bool EventMatches(const Event& event, const FilterArgs& filters);

class EventBus {
 public:
  class Subscription {
   public:
    ~Subscription();
    // The next event, or nullopt after `timeout` or once the bus is closed.
    std::optional<Event> Next(absl::Duration timeout);
    bool closed() const;

   private:
    friend class EventBus;
    explicit Subscription(EventBus& bus) : bus_(bus) {}
    EventBus& bus_;
    std::deque<Event> queue_;  // guarded by bus_.mu_
  };

  explicit EventBus(const Clock& clock, size_t capacity = 256);
  ~EventBus();

  void Publish(Event event);
  // Registers a subscriber; when `replay` is given, it receives (atomically
  // with the registration) the kept events at or after `since`.
  std::unique_ptr<Subscription> Subscribe(absl::Time since, std::vector<Event>* replay);
  // Wakes and ends every subscription; later Publish calls are still kept.
  void Close();
  bool closed() const;
  // The kept events, oldest first (tests).
  std::vector<Event> Recent() const;

 private:
  const Clock& clock_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> ring_;
  std::vector<Subscription*> subs_;
  bool closed_ = false;
};

}  // namespace reclaim

#endif  // RECLAIM_DOCKER_EVENTS_H_
