// File: docker/events.h
//
// Docker's events (specs/observability.md C2) as `GET /events` serves them:
// the bus that keeps the last events the services publish (service/events)
// and hands them to subscribers, moby's filter rules and moby's JSON Message.
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
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/filters.h"
#include "docker/json.h"
#include "platform/clock.h"
#include "service/events/events.h"

namespace reclaim {


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

// What `GET /events` asks for (moby's since/until/filters). With `since` or
// `until`, the kept events in [since, until] are replayed first; then live
// events follow until `until` passes (none when it is already past).
struct EventQuery {
  std::optional<absl::Time> since;
  std::optional<absl::Time> until;
  FilterArgs filters;  // checked with ValidateEventFilters
};

class EventStream;

class EventBus : public EventSink {
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
  ~EventBus() override;

  void Publish(Event event) override;
  // Registers a subscriber; when `replay` is given, it receives (atomically
  // with the registration) the kept events at or after `since`.
  std::unique_ptr<Subscription> Subscribe(absl::Time since, std::vector<Event>* replay);
  // The stream `query` asks for (its filters must be valid).
  std::unique_ptr<EventStream> Open(const EventQuery& query);
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

// One `GET /events` answer: the replayed events, then the live ones, each
// matched against the query's filters and encoded as moby's Message.
class EventStream {
 public:
  // The next matching event, or nullopt when none came within `wait` (real
  // time) or the stream ended.
  std::optional<Json> Next(absl::Duration wait);
  // True once nothing more will come: the replay is done and `until` passed
  // (or was past from the start), or the bus closed.
  bool ended() const { return ended_; }

 private:
  friend class EventBus;
  EventStream(const Clock& clock, EventQuery query) : clock_(clock), query_(std::move(query)) {}

  const Clock& clock_;
  const EventQuery query_;
  std::deque<Event> replay_;
  std::unique_ptr<EventBus::Subscription> live_;  // null: past events only
  bool ended_ = false;
};

}  // namespace reclaim

#endif  // RECLAIM_DOCKER_EVENTS_H_
