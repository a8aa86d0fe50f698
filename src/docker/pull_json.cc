#include "docker/pull_json.h"

#include <algorithm>
#include <cstdio>

#include "absl/time/clock.h"
#include "core/human_size.h"

namespace reclaim {
namespace {

// An "action" message, keys in jsonmessage's struct order.
Json Action(std::string status, const std::string& id, Json detail, std::string progress = "") {
  Json m = Json::object();
  m["status"] = std::move(status);
  m["progressDetail"] = std::move(detail);
  if (!progress.empty()) m["progress"] = std::move(progress);
  m["id"] = id;
  return m;
}

Json HideCounts() { return Json{{"hidecounts", true}}; }

}  // namespace

std::string ProgressText(int64_t current, int64_t total) {
  char numbers[64];
  std::snprintf(numbers, sizeof numbers, "%8s", HumanSize(static_cast<double>(current)).c_str());
  if (total <= 0) return numbers;
  // jsonmessage: percentage = int(current/total*100) / 2, at most 50.
  const int half_percent = std::min(
      50, static_cast<int>(static_cast<double>(current) / static_cast<double>(total) * 100) / 2);
  return "[" + std::string(half_percent, '=') + ">" + std::string(50 - half_percent, ' ') + "] " +
         numbers + "/" + HumanSize(static_cast<double>(total));
}

Json PullEventJson(const PullEvent& e) {
  switch (e.kind) {
    case PullEvent::Kind::kPullingFrom: {
      Json m = Json::object();
      m["status"] = "Pulling from " + e.text;
      m["id"] = e.id;
      return m;
    }
    case PullEvent::Kind::kPullingFsLayer:
      return Action("Pulling fs layer", e.id, Json::object());
    case PullEvent::Kind::kDownloading:
      return Action("Downloading", e.id, Json{{"current", e.current}, {"total", e.total}},
                    ProgressText(e.current, e.total));
    case PullEvent::Kind::kDownloadComplete:
      return Action("Download complete", e.id, HideCounts());
    case PullEvent::Kind::kAlreadyExists:
      return Action("Already exists", e.id, HideCounts());
    case PullEvent::Kind::kPullComplete:
      return Action("Pull complete", e.id, HideCounts());
  }
  return Json::object();
}

bool ProgressThrottle::Show(const std::string& id, int64_t current, int64_t total) {
  if (current >= total) return true;
  const absl::Time now = absl::Now();
  auto [it, fresh] = last_shown_.try_emplace(id, now);
  if (!fresh && now - it->second < absl::Milliseconds(100)) return false;
  it->second = now;
  return true;
}

Json PushEventJson(const PushEvent& e) {
  switch (e.kind) {
    case PushEvent::Kind::kWaiting:
      return Action("Waiting", e.id, Json::object());
    case PushEvent::Kind::kPushing:
      return Action("Pushing", e.id, Json{{"current", e.current}, {"total", e.total}},
                    ProgressText(e.current, e.total));
    case PushEvent::Kind::kPushed:
      return Action("Pushed", e.id, Json::object());
    case PushEvent::Kind::kLayerExists:
    case PushEvent::Kind::kMounted:
      return Action(e.text, e.id, Json::object());
    case PushEvent::Kind::kManifestInsteadOfIndex: {
      Json aux = Json::object();
      aux["manifestPushedInsteadOfIndex"] = true;
      aux["originalIndex"] = DescriptorToJson(e.index);
      aux["selectedManifest"] = DescriptorToJson(e.manifest);
      return Json{{"aux", aux}};
    }
  }
  return Json::object();
}

Json StatusJson(const std::string& text) { return Json{{"status", text}}; }

Json PushDigestJson(const PushResult& pushed) {
  return StatusJson(pushed.tag + ": digest: " + pushed.target.digest.str() +
                    " size: " + std::to_string(pushed.target.size));
}

Json PullDigestJson(const Digest& target) {
  return Json{{"status", "Digest: " + target.str()}};
}

Json PullStatusJson(const std::string& familiar_ref, bool downloaded_newer) {
  return Json{{"status", (downloaded_newer ? "Status: Downloaded newer image for "
                                                     : "Status: Image is up to date for ") +
                                       familiar_ref}};
}

}  // namespace reclaim
