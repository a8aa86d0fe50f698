#include "service/prune/report.h"

#include <cstddef>
#include <cstdint>
#include <utility>

#include "core/go_json.h"
#include "core/human_size.h"

namespace reclaim {

std::string GoJsonStringNoHtmlEscape(std::string_view s) {
  return GoJsonQuoted(s, GoHtmlEscape::kOff);
}

std::string ReportJson(const Report& report) {
  std::string out = "{\"ImagesDeleted\":";
  if (report.images_deleted.empty()) {
    out += "null";
  } else {
    out.push_back('[');
    bool first = true;
    for (const ReportItem& item : report.images_deleted) {
      if (!first) out.push_back(',');
      first = false;
      // Go field order: Deleted, then Untagged; both omitempty.
      out.push_back('{');
      bool field = false;
      if (!item.deleted.empty()) {
        out += "\"Deleted\":" + GoJsonStringNoHtmlEscape(item.deleted);
        field = true;
      }
      if (!item.untagged.empty()) {
        if (field) out.push_back(',');
        out += "\"Untagged\":" + GoJsonStringNoHtmlEscape(item.untagged);
      }
      out.push_back('}');
    }
    out.push_back(']');
  }
  out += ",\"SpaceReclaimed\":" + std::to_string(report.space_reclaimed) + "}";
  return out;
}

std::string ReportCliText(const Report& report) {
  std::string out;
  uint64_t space = 0;
  if (!report.images_deleted.empty()) {
    out += "Deleted Images:\n";
    for (const ReportItem& item : report.images_deleted) {
      if (!item.untagged.empty()) {
        out += "untagged: " + item.untagged + "\n";
      } else {
        out += "deleted: " + item.deleted + "\n";
      }
    }
    out += "\n";  // fmt.Fprintln of the block, which already ends in '\n'
    space = report.space_reclaimed;
  }
  out += "Total reclaimed space: " + HumanSizeBytes(space) + "\n";
  return out;
}

}  // namespace reclaim
