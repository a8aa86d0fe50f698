#include "service/events/events.h"

#include <utility>

#include <spdlog/spdlog.h>

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

void OperationTimer::Succeeded(uint64_t bytes, uint64_t items, uint64_t errors) {
  record_.ok = true;
  record_.bytes = bytes;
  record_.items = items;
  record_.errors = errors;
}

std::string OperationLog::Line(const OperationRecord& r) {
  std::string line = r.kind + ": " + (r.ok ? "ok" : "failed");
  if (r.ok) {
    if (r.kind.ends_with("_prune")) line += " deleted=" + std::to_string(r.items);
    line += " bytes=" + std::to_string(r.bytes);
    if (r.kind.ends_with("_prune")) line += " errors=" + std::to_string(r.errors);
  }
  return line + " duration=" + absl::FormatDuration(r.duration);
}

void OperationLog::Finished(const OperationRecord& r) {
  if (r.ok) {
    spdlog::info("{}", Line(r));
  } else {
    spdlog::warn("{}", Line(r));
  }
}

}  // namespace reclaim
