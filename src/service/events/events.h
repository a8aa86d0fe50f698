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
// Thread-safety: value types; EventSink implementations must be safe for
// concurrent Publish calls.
#ifndef RECLAIM_SERVICE_EVENTS_EVENTS_H_
#define RECLAIM_SERVICE_EVENTS_EVENTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "absl/time/time.h"

namespace reclaim {

struct Event {
  std::string type;    // "image", "container"
  std::string action;  // "tag", "untag", "delete", "prune", "load", "create", "destroy", …
  std::string actor_id;
  std::map<std::string, std::string> attributes;  // "name", image labels, "reclaimed"
  absl::Time time;                                // set by the sink (EventBus::Publish)
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Publish(Event event) = 0;
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
