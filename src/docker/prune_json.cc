// File: docker/prune_json.cc
#include "docker/prune_json.h"

#include <cstddef>
#include <string>
#include <string_view>

#include "core/go_json.h"
#include "core/human_size.h"

namespace reclaim {
namespace {

// `s` as Go's encoding/json writes it, read back: the same text unless it
// holds invalid UTF-8, which becomes U+FFFD byte by byte (nlohmann's own
// replacement merges some sequences Go keeps apart). Names and digests are
// ASCII, so the read-back is for the odd name a containerd client wrote.
std::string GoJsonText(std::string_view s) {
  for (char ch : s) {
    if (static_cast<unsigned char>(ch) >= 0x80) {
      return Json::parse(GoJsonQuoted(s, GoHtmlEscape::kOff)).get<std::string>();
    }
  }
  return std::string(s);
}

}  // namespace

Json ImagesPruneReportJson(const Report& report) {
  Json deleted = nullptr;
  if (!report.images_deleted.empty()) {
    deleted = Json::array();
    for (const ReportItem& item : report.images_deleted) {
      Json j = Json::object();
      if (!item.deleted.empty()) j["Deleted"] = GoJsonText(item.deleted);
      if (!item.untagged.empty()) j["Untagged"] = GoJsonText(item.untagged);
      deleted.push_back(std::move(j));
    }
  }
  Json out = Json::object();
  out["ImagesDeleted"] = std::move(deleted);
  out["SpaceReclaimed"] = report.space_reclaimed;
  return out;
}

Json ReclaimPruneReportJson(const Report& report) {
  Json out = ImagesPruneReportJson(report);
  Json released = Json::array();
  for (const Digest& d : report.snapshot_labels_released) released.push_back(d.str());
  out["SnapshotLabelsReleased"] = std::move(released);
  out["LeftoverReclaimed"] = report.leftover_reclaimed;
  return out;
}

absl::Status PartialPruneError(const absl::Status& errors, const Report& report) {
  size_t untagged = 0;
  for (const ReportItem& item : report.images_deleted) {
    if (!item.untagged.empty()) ++untagged;
  }
  return absl::Status(errors.code(), std::string(errors.message()) + "\n(pruned anyway: " +
                                         std::to_string(untagged) + " image(s), " +
                                         HumanSizeBytes(report.space_reclaimed) + " reclaimed)");
}

}  // namespace reclaim
