#include "service/prune/options.h"

#include <string_view>
#include <utility>

#include "core/labels.h"
#include "core/status.h"
#include "core/timestamp.h"

namespace reclaim {
namespace {

constexpr std::string_view kDanglingKey = "dangling";
constexpr std::string_view kLabelKey = "label";
constexpr std::string_view kNotLabelKey = "label!";
constexpr std::string_view kUntilKey = "until";

}  // namespace

absl::StatusOr<PruneOptions> ParsePruneOptions(const FilterArgs& filters, absl::Time now,
                                               absl::TimeZone local) {
  // §0.2: key validation.
  RECLAIM_RETURN_IF_ERROR(filters.Validate({kDanglingKey, kLabelKey, kNotLabelKey, kUntilKey}));

  PruneOptions options;
  options.now = now;

  // §0.3: dangling, default true.
  FilterArgs::BoolResult dangling = filters.GetBoolOrDefault(kDanglingKey, true);
  RECLAIM_RETURN_IF_ERROR(dangling.status);
  options.dangling_only = dangling.value;

  // §0.4: the dangling key never reaches setupFilters.
  FilterArgs rest = filters;
  rest.DeleteKey(kDanglingKey);

  // §2.1: until, each value parsed against the same `now`.
  for (const std::string& value : rest.Get(kUntilKey)) {
    absl::StatusOr<absl::Time> t = ParseTimestamp(value, now, local);
    if (!t.ok()) return UntilFilterError(t.status());
    options.until.push_back(*t);
  }

  // §2.2: label then label!.
  for (std::string_view filter_name : {kLabelKey, kNotLabelKey}) {
    for (const std::string& raw : rest.Get(filter_name)) {
      LabelCheck check;
      const size_t eq = raw.find('=');
      std::string_view key = raw;
      std::string_view value;
      if (eq == std::string::npos) {
        check.only_exists = true;
      } else {
        key = std::string_view(raw).substr(0, eq);
        value = std::string_view(raw).substr(eq + 1);
      }
      // Validated before the `!` is stripped.
      RECLAIM_RETURN_IF_ERROR(ValidateLabel(key, value));
      check.negate = filter_name == kNotLabelKey;
      if (!key.empty() && key.back() == '!') {
        key.remove_suffix(1);
        check.negate = !check.negate;
      }
      check.key = std::string(key);
      check.value = std::string(value);
      options.label_checks.push_back(std::move(check));
    }
  }
  return options;
}

bool ConfigMatchesLabels(const std::map<std::string, std::string>& config_labels,
                         const std::vector<LabelCheck>& checks) {
  for (const LabelCheck& check : checks) {
    auto it = config_labels.find(check.key);
    const bool exists = it != config_labels.end();
    if (check.only_exists) {
      if (exists == check.negate) return false;
      continue;
    }
    if (!exists) {
      // Current moby: `label!=k=v` is satisfied by a config without k.
      if (check.negate) continue;
      return false;
    }
    const bool equals = it->second == check.value;
    if (equals == check.negate) return false;
  }
  return true;
}

}  // namespace reclaim
