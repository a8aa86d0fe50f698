#include "docker/events.h"

#include <algorithm>
#include <string_view>
#include <utility>

namespace reclaim {
namespace {

bool HasDeprecatedFields(const Event& e) { return e.type == "container" || e.type == "image"; }

// Key absent: true; else true when one of the values equals `s`.
bool ExactMatch(const FilterArgs& f, std::string_view key, std::string_view s) {
  if (!f.Contains(key)) return true;
  for (const std::string& v : f.Get(key)) {
    if (v == s) return true;
  }
  return false;
}

std::string StripTag(std::string_view image) {
  // moby's stripTag: drop a ":tag" after the last "/", keep digests.
  if (image.find('@') != std::string_view::npos) return std::string(image);
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    return std::string(image.substr(0, colon));
  }
  return std::string(image);
}

std::string Attr(const Event& e, const std::string& key) {
  auto it = e.attributes.find(key);
  return it == e.attributes.end() ? std::string() : it->second;
}

bool MatchLabels(const Event& e, const FilterArgs& f) {
  if (!f.Contains("label")) return true;
  // moby's MatchKVList: every label filter must hold.
  for (const std::string& v : f.Get("label")) {
    size_t eq = v.find('=');
    if (eq == std::string::npos) {
      if (!e.attributes.contains(v)) return false;
    } else {
      auto it = e.attributes.find(v.substr(0, eq));
      if (it == e.attributes.end() || it->second != v.substr(eq + 1)) return false;
    }
  }
  return true;
}

bool FuzzyName(const Event& e, const FilterArgs& f, std::string_view key) {
  if (!f.Contains(key)) return true;
  if (e.type != key) return false;
  for (const std::string& v : f.Get(key)) {
    if (e.actor_id.starts_with(v) || Attr(e, "name") == v) return true;
  }
  return false;
}

}  // namespace

Json EventJson(const Event& e) {
  Json j = Json::object();
  if (HasDeprecatedFields(e)) {
    j["status"] = e.action;
    if (!e.actor_id.empty()) j["id"] = e.actor_id;
    if (e.type == "container") {
      if (std::string from = Attr(e, "image"); !from.empty()) j["from"] = from;
    }
  }
  j["Type"] = e.type;
  j["Action"] = e.action;
  j["Actor"] = Json{{"ID", e.actor_id}, {"Attributes", JsonStringMap(e.attributes)}};
  j["scope"] = "local";
  int64_t nanos = absl::ToUnixNanos(e.time);
  j["time"] = nanos / 1000000000;
  j["timeNano"] = nanos;
  return j;
}

absl::Status ValidateEventFilters(const FilterArgs& filters) {
  return filters.Validate({"config", "container", "daemon", "event", "image", "label", "network",
                           "node", "plugin", "scope", "secret", "service", "type", "volume"});
}

bool EventMatches(const Event& e, const FilterArgs& f) {
  if (!ExactMatch(f, "type", e.type)) return false;
  if (!ExactMatch(f, "event", e.action)) return false;
  if (!ExactMatch(f, "scope", "local")) return false;
  if (!MatchLabels(e, f)) return false;
  if (!FuzzyName(e, f, "container")) return false;
  for (std::string_view key :
       {"network", "volume", "plugin", "node", "service", "secret", "config", "daemon"}) {
    if (f.Contains(key)) return false;
  }
  if (f.Contains("image")) {
    std::string name = Attr(e, e.type == "image" ? "name" : "image");
    if (!ExactMatch(f, "image", e.actor_id) && !ExactMatch(f, "image", name) &&
        !ExactMatch(f, "image", StripTag(e.actor_id)) && !ExactMatch(f, "image", StripTag(name))) {
      return false;
    }
  }
  return true;
}

EventBus::EventBus(const Clock& clock, size_t capacity) : clock_(clock), capacity_(capacity) {}

EventBus::~EventBus() { Close(); }

void EventBus::Publish(Event event) {
  std::lock_guard<std::mutex> lock(mu_);
  event.time = clock_.Now();
  for (Subscription* s : subs_) {
    s->queue_.push_back(event);
    if (s->queue_.size() > capacity_) s->queue_.pop_front();
  }
  ring_.push_back(std::move(event));
  if (ring_.size() > capacity_) ring_.pop_front();
  cv_.notify_all();
}

std::unique_ptr<EventBus::Subscription> EventBus::Subscribe(absl::Time since,
                                                            std::vector<Event>* replay) {
  std::unique_ptr<Subscription> sub(new Subscription(*this));
  std::lock_guard<std::mutex> lock(mu_);
  if (replay != nullptr) {
    for (const Event& e : ring_) {
      if (e.time >= since) replay->push_back(e);
    }
  }
  subs_.push_back(sub.get());
  return sub;
}

std::unique_ptr<EventStream> EventBus::Open(const EventQuery& query) {
  std::unique_ptr<EventStream> stream(new EventStream(clock_, query));
  // moby replays only when a bound is given.
  const bool replay = query.since.has_value() || query.until.has_value();
  std::vector<Event> past;
  stream->live_ =
      Subscribe(query.since.value_or(absl::InfinitePast()), replay ? &past : nullptr);
  for (Event& e : past) {
    if (query.until.has_value() && e.time > *query.until) continue;
    if (EventMatches(e, query.filters)) stream->replay_.push_back(std::move(e));
  }
  if (query.until.has_value() && *query.until < clock_.Now()) stream->live_.reset();
  return stream;
}

std::optional<Json> EventStream::Next(absl::Duration wait) {
  if (!replay_.empty()) {
    Json j = EventJson(replay_.front());
    replay_.pop_front();
    return j;
  }
  if (ended_) return std::nullopt;
  const absl::Time deadline = absl::Now() + wait;
  while (live_ != nullptr) {
    // Events already queued are taken even once `until` has passed.
    const bool past = query_.until.has_value() && clock_.Now() >= *query_.until;
    absl::Duration left = deadline - absl::Now();
    if (query_.until.has_value()) left = std::min(left, *query_.until - clock_.Now());
    std::optional<Event> e = live_->Next(std::max(left, absl::ZeroDuration()));
    if (!e.has_value()) {
      if (past || live_->closed()) break;
      if (deadline <= absl::Now()) return std::nullopt;
      continue;
    }
    if (query_.until.has_value() && e->time > *query_.until) break;
    if (EventMatches(*e, query_.filters)) return EventJson(*e);
  }
  ended_ = true;
  live_.reset();
  return std::nullopt;
}

void EventBus::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

bool EventBus::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

std::vector<Event> EventBus::Recent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {ring_.begin(), ring_.end()};
}

EventBus::Subscription::~Subscription() {
  std::lock_guard<std::mutex> lock(bus_.mu_);
  std::erase(bus_.subs_, this);
}

std::optional<Event> EventBus::Subscription::Next(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(bus_.mu_);
  bus_.cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                    [&] { return !queue_.empty() || bus_.closed_; });
  if (queue_.empty()) return std::nullopt;
  Event e = std::move(queue_.front());
  queue_.pop_front();
  return e;
}

bool EventBus::Subscription::closed() const {
  std::lock_guard<std::mutex> lock(bus_.mu_);
  return bus_.closed_ && queue_.empty();
}

}  // namespace reclaim
