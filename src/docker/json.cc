// File: docker/json.cc
#include "docker/json.h"

#include "core/timestamp.h"

namespace reclaim {

std::string EncodeJsonCompact(const Json& value) {
  std::string text = value.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
  // nlohmann leaves U+2028 / U+2029 raw; Go escapes them. Their UTF-8 bytes
  // (E2 80 A8 / E2 80 A9) can only occur inside strings of a valid dump.
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (static_cast<unsigned char>(text[i]) == 0xE2 && i + 2 < text.size() &&
        static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(text[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(text[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(text[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

std::string EncodeJson(const Json& value) { return EncodeJsonCompact(value) + "\n"; }

std::string ErrorJson(std::string_view message) {
  Json j = Json::object();
  j["message"] = std::string(message);
  return EncodeJson(j);
}

Json JsonStrings(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const std::string& s : v) a.push_back(s);
  return a;
}

Json JsonStringsOrNull(const std::vector<std::string>& v) {
  return v.empty() ? Json(nullptr) : JsonStrings(v);
}

Json JsonStringMap(const std::map<std::string, std::string>& m) {
  Json j = Json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

std::string GoTimeJson(const std::optional<absl::Time>& t) {
  return t.has_value() ? FormatRfc3339Nano(*t) : kGoZeroTime;
}

}  // namespace reclaim
