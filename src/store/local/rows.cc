#include "store/local/rows.h"

#include "nlohmann/json.hpp"

namespace reclaim::local_rows {

int64_t ToNs(absl::Time t) { return absl::ToUnixNanos(t); }
absl::Time FromNs(int64_t ns) { return absl::FromUnixNanos(ns); }

std::string EncodeLabels(const Labels& labels) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : labels) j[k] = v;
  return j.dump();
}

Labels DecodeLabels(std::string_view text) {
  Labels out;
  if (text.size() <= 2) return out;  // "{}"
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (!j.is_object()) return out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

absl::StatusOr<Descriptor> DecodeTarget(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return absl::DataLossError("metadata: corrupt image target");
  return DescriptorFromJson(j);
}

absl::Status NotFoundImage(std::string_view name) {
  return absl::NotFoundError("image \"" + std::string(name) + "\": not found");
}

absl::Status NotFoundContent(const Digest& d) {
  return absl::NotFoundError("content digest " + d.str() + ": not found");
}


}  // namespace reclaim::local_rows
