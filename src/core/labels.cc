#include "core/labels.h"

#include <string>

namespace reclaim {

absl::Status ValidateLabel(std::string_view key, std::string_view value) {
  const size_t total = key.size() + value.size();
  if (total <= kMaxLabelSize) return absl::OkStatus();
  std::string message = "label key and value length (" + std::to_string(total) +
                        " bytes) greater than maximum size (" + std::to_string(kMaxLabelSize) +
                        " bytes), key: " + std::string(key.substr(0, kLabelErrorKeyMaxLen)) +
                        ": invalid argument";
  return absl::InvalidArgumentError(message);
}

}  // namespace reclaim
