// File: service/events/events.h
//
// What the services tell the world when an image or a container changes:
// Docker's event vocabulary (specs/observability.md C2), produced where the
// change is made (ImageService, PruneService, ContainerService) and handed to
// an EventSink, which the server's Docker events bus (docker/events.h)
// implements. Without a sink (the CLI) nothing is produced.
//
//   Event e = ImageEvent("tag", image_id, "alpine:3", &labels);
//   if (sink != nullptr) sink->Publish(std::move(e));
//
// Actor IDs and names follow moby's containerd image store: tag, untag,
// delete, load and save name the image ID (target digest) as the actor; pull
// and push name the familiar reference; import names the new ID twice; the
// image prune event has an empty actor and `reclaimed=<bytes>`. Attributes of
// an image event are the image config's labels, then `name`.
//
// Operations (prunes, transfers) also report their end, with their duration
// and bytes, to the same sink (EventSink::Finished), which the metrics count.
//
// Thread-safety: value types; EventSink implementations must be safe for
// concurrent calls.
#ifndef RECLAIM_SERVICE_EVENTS_EVENTS_H_
#define RECLAIM_SERVICE_EVENTS_EVENTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "platform/clock.h"

namespace reclaim {

struct Event {
  std::string type;    // "image", "container"
  std::string action;  // "tag", "untag", "delete", "prune", "load", "create", "destroy", …
  std::string actor_id;
  std::map<std::string, std::string> attributes;  // "name", image labels, "reclaimed"
  absl::Time time;                                // set by the sink (EventBus::Publish)
};

// The end of one long operation, for metrics (metrics/metrics.h): what it
// was, whether it succeeded, how long it took, and its bytes and items.
struct OperationRecord {
  std::string kind;  // "image_prune", "container_prune", "pull", "push", "load", "save", "import"
  bool ok = false;
  absl::Duration duration;
  uint64_t bytes = 0;  // reclaimed (prunes) or moved (transfers)
  uint64_t items = 0;  // images or containers deleted (prunes)
  uint64_t errors = 0;  // images that could not be pruned (a prune that succeeded)
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Publish(Event event) = 0;
  // An operation ended; a sink that keeps no figures ignores it.
  virtual void Finished(const OperationRecord& /*record*/) {}
};

// One log line (spdlog, info; warning when it failed) per finished operation,
// key=value pairs a machine can split:
//   image_prune: ok deleted=3 bytes=1234 errors=0 duration=12.3ms
class OperationLog final : public EventSink {
 public:
  void Publish(Event) override {}
  void Finished(const OperationRecord& record) override;
  // The line's text.
  static std::string Line(const OperationRecord& record);
};

// Hands everything to each of its sinks, in order.
class EventFanout final : public EventSink {
 public:
  explicit EventFanout(std::vector<EventSink*> sinks) : sinks_(std::move(sinks)) {}
  void Publish(Event event) override;
  void Finished(const OperationRecord& record) override;

 private:
  const std::vector<EventSink*> sinks_;
};

// Times one operation on `clock` and reports it to `sink` (may be null) when
// it goes out of scope: as a failure unless Succeeded was called.
//
//   OperationTimer timer(sink, clock, "pull");
//   RECLAIM_ASSIGN_OR_RETURN(PullResult r, ...);
//   timer.Succeeded(r.bytes_fetched);
class OperationTimer {
 public:
  OperationTimer(EventSink* sink, const Clock& clock, std::string kind);
  ~OperationTimer();
  OperationTimer(const OperationTimer&) = delete;
  OperationTimer& operator=(const OperationTimer&) = delete;
  void Succeeded(uint64_t bytes = 0, uint64_t items = 0, uint64_t errors = 0);

 private:
  EventSink* const sink_;
  const Clock& clock_;
  const absl::Time start_;
  OperationRecord record_;
};

// An image event: `labels` (may be null) copied into the attributes, then
// `name` when it is not empty.
Event ImageEvent(std::string_view action, std::string actor_id, std::string name,
                 const std::map<std::string, std::string>* labels = nullptr);
// `image prune` / `container prune` with `reclaimed=<bytes>` and no actor.
Event PruneEvent(std::string_view type, uint64_t reclaimed);
// A container event: its labels, then `image` (Config.Image as typed) and
// `name` (without the leading '/').
Event ContainerEvent(std::string_view action, std::string id, std::string image,
                     std::string name, const std::map<std::string, std::string>& labels);

// Publishes `event` when `sink` is not null.
inline void PublishTo(EventSink* sink, Event event) {
  if (sink != nullptr) sink->Publish(std::move(event));
}

}  // namespace reclaim

#endif  // RECLAIM_SERVICE_EVENTS_EVENTS_H_
