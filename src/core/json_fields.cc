#include "core/json_fields.h"

#include <nlohmann/json.hpp>
#include <string>

#include "core/utf8.h"

namespace reclaim {
namespace {

// Go's foldRune restricted as the header says: the smallest rune of the case
// orbit for ASCII letters, U+212A and U+017F; the rune itself otherwise.
char32_t Fold(char32_t r) {
  if (r >= 'a' && r <= 'z') return r - 'a' + 'A';
  if (r == 0x212A) return 'K';
  if (r == 0x017F) return 'S';
  return r;
}

}  // namespace

bool JsonKeyNamesField(std::string_view key, std::string_view name) {
  while (!key.empty() && !name.empty()) {
    const utf8::DecodedRune k = utf8::DecodeRune(key);
    const utf8::DecodedRune n = utf8::DecodeRune(name);
    // Invalid bytes all decode as U+FFFD and so fold alike, as in Go.
    if (Fold(k.rune) != Fold(n.rune)) return false;
    key.remove_prefix(k.width);
    name.remove_prefix(n.width);
  }
  return key.empty() && name.empty();
}

const nlohmann::json* FindJsonField(const nlohmann::json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  const auto exact = object.find(std::string(name));
  if (exact != object.end() && !exact->is_null()) return &*exact;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (!it->is_null() && JsonKeyNamesField(it.key(), name)) return &*it;
  }
  return nullptr;
}

bool HasJsonField(const nlohmann::json& object, std::string_view name) {
  if (!object.is_object()) return false;
  if (object.contains(std::string(name))) return true;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (JsonKeyNamesField(it.key(), name)) return true;
  }
  return false;
}

}  // namespace reclaim
