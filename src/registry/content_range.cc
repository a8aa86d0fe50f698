#include "registry/content_range.h"

#include "registry/str.h"

namespace reclaim {

absl::StatusOr<ResumePlan> PlanResume(uint64_t offset, int http_status,
                                      std::string_view content_range) {
  const absl::Status unhandled =
      absl::FailedPreconditionError("unhandled content range in response");
  if (offset == 0) {
    if (http_status == 206 && !str::StartsWith(content_range, "bytes 0-")) return unhandled;
    return ResumePlan{};
  }
  if (http_status == 200 && content_range.empty()) return ResumePlan{offset, false};
  if (http_status != 206) return unhandled;
  const std::string want = str::Cat("bytes ", offset, "-");
  if (!str::StartsWith(content_range, want)) return unhandled;
  return ResumePlan{0, true};
}

}  // namespace reclaim
