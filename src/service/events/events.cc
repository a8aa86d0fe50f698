#include "service/events/events.h"

#include <utility>

namespace reclaim {

Event ImageEvent(std::string_view action, std::string actor_id, std::string name,
                 const std::map<std::string, std::string>* labels) {
  Event e;
  e.type = "image";
  e.action = std::string(action);
  e.actor_id = std::move(actor_id);
  if (labels != nullptr) e.attributes = *labels;
  if (!name.empty()) e.attributes["name"] = std::move(name);
  return e;
}

Event PruneEvent(std::string_view type, uint64_t reclaimed) {
  Event e;
  e.type = std::string(type);
  e.action = "prune";
  e.attributes["reclaimed"] = std::to_string(reclaimed);
  return e;
}

Event ContainerEvent(std::string_view action, std::string id, std::string image,
                     std::string name, const std::map<std::string, std::string>& labels) {
  Event e;
  e.type = "container";
  e.action = std::string(action);
  e.actor_id = std::move(id);
  e.attributes = labels;
  e.attributes["image"] = std::move(image);
  e.attributes["name"] = std::move(name);
  return e;
}

void EventFanout::Publish(Event event) {
  for (size_t i = 0; i < sinks_.size(); ++i) {
    sinks_[i]->Publish(i + 1 == sinks_.size() ? std::move(event) : event);
  }
}

void EventFanout::Finished(const OperationRecord& record) {
  for (EventSink* s : sinks_) s->Finished(record);
}

OperationTimer::OperationTimer(EventSink* sink, const Clock& clock, std::string kind)
    : sink_(sink), clock_(clock), start_(clock.Now()) {
  record_.kind = std::move(kind);
}

OperationTimer::~OperationTimer() {
  if (sink_ == nullptr) return;
  record_.duration = clock_.Now() - start_;
  sink_->Finished(record_);
}

void OperationTimer::Succeeded(uint64_t bytes, uint64_t items) {
  record_.ok = true;
  record_.bytes = bytes;
  record_.items = items;
}

}  // namespace reclaim
