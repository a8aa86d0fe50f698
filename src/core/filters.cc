#include "core/filters.h"

#include "core/go_json.h"
#include "core/status.h"
#include "core/utf8.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace reclaim {
namespace {

// The deepest nesting either accepted encoding can have: the outer object
// (1) holding inner objects or lists (2). Anything deeper is a type error for
// both of Go's decoders, so it is rejected before parsing (this also bounds
// the work nlohmann does on `[[[[...`).
constexpr int kMaxDepth = 2;

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// Value of the 4 hex digits at s[i..i+4), or -1.
int Hex4(std::string_view s, size_t i) {
  if (i + 4 > s.size()) return -1;
  int v = 0;
  for (size_t k = i; k < i + 4; ++k) {
    const char c = s[k];
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return -1;
    }
    v = v * 16 + d;
  }
  return v;
}

// Rewrites `in` so that nlohmann reads what Go's encoding/json reads: invalid
// UTF-8 bytes become U+FFFD (one per byte, as Go's decoder does inside strings;
// outside strings they stay syntax errors), and a `\uXXXX` escape of a UTF-16
// surrogate that is not a valid high+low pair becomes `\ufffd`. Returns false
// when the input is certainly not a valid filter: structural nesting deeper
// than kMaxDepth, a closing bracket with nothing open, or a NUL byte outside a
// string (syntax errors for Go; nlohmann would stop reading at the NUL). A NUL
// inside a string is an unescaped control character, which nlohmann rejects.
// String tracking is exact for well-formed JSON; for malformed JSON it is exact
// up to the first syntax error, which nlohmann then reports anyway.
bool NormalizeForGo(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  int depth = 0;
  bool in_string = false;
  size_t i = 0;
  while (i < in.size()) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    if (c >= utf8::kRuneSelf) {
      const utf8::DecodedRune d = utf8::DecodeRune(in.substr(i));
      if (d.invalid()) {
        out->append(kReplacement);
      } else {
        out->append(in.substr(i, d.width));
      }
      i += d.width;
      continue;
    }
    if (in_string) {
      if (c == '"') {
        in_string = false;
      } else if (c == '\\') {
        if (i + 1 < in.size() && in[i + 1] == 'u') {
          const int unit = Hex4(in, i + 2);
          if (unit >= 0xD800 && unit <= 0xDFFF) {
            const bool high = unit <= 0xDBFF;
            const bool pair = high && i + 7 < in.size() && in[i + 6] == '\\' && in[i + 7] == 'u' &&
                              Hex4(in, i + 8) >= 0xDC00 && Hex4(in, i + 8) <= 0xDFFF;
            if (pair) {
              out->append(in.substr(i, 12));
              i += 12;
            } else {
              out->append("\\ufffd");
              i += 6;
            }
            continue;
          }
        }
        // Copy the backslash and an ASCII escape character together so that
        // `\"` does not end the string.
        out->push_back('\\');
        ++i;
        if (i < in.size() && static_cast<unsigned char>(in[i]) < 0x80) {
          out->push_back(in[i]);
          ++i;
        }
        continue;
      }
    } else if (c == '\0') {
      return false;  // never valid JSON; nlohmann would take it as end of input
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return false;
    } else if (c == '}' || c == ']') {
      if (--depth < 0) return false;
    }
    out->push_back(static_cast<char>(c));
    ++i;
  }
  return true;
}

// The JSON document as a flat event record, kept in source order with every
// duplicate key, so that both decoders below can apply Go's semantics (a type
// error anywhere fails the decode even if a later duplicate key overwrites it;
// otherwise the last duplicate wins).
enum class Kind { kNull, kTrue, kFalse, kString, kObject, kArray, kOther };

struct RawItem {
  std::string key;  // inner object key; empty for list elements
  Kind kind = Kind::kOther;
  std::string str;  // for kString
};

struct RawEntry {
  std::string key;
  Kind kind = Kind::kOther;
  std::vector<RawItem> items;  // for kObject / kArray
};

struct RawDoc {
  Kind top = Kind::kOther;
  std::vector<RawEntry> entries;  // for top == kObject
};

class Recorder : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit Recorder(RawDoc* doc) : doc_(doc) {}

  bool null() override { return Scalar(Kind::kNull, {}); }
  bool boolean(bool v) override { return Scalar(v ? Kind::kTrue : Kind::kFalse, {}); }
  bool number_integer(number_integer_t) override { return Scalar(Kind::kOther, {}); }
  bool number_unsigned(number_unsigned_t) override { return Scalar(Kind::kOther, {}); }
  bool number_float(number_float_t, const string_t&) override { return Scalar(Kind::kOther, {}); }
  bool string(string_t& v) override { return Scalar(Kind::kString, std::move(v)); }
  bool binary(binary_t&) override { return false; }  // not produced by JSON
  bool start_object(std::size_t) override { return Open(Kind::kObject); }
  bool start_array(std::size_t) override { return Open(Kind::kArray); }
  bool end_object() override { return Close(); }
  bool end_array() override { return Close(); }
  bool key(string_t& k) override {
    if (depth_ == 1) {
      pending_outer_key_ = std::move(k);
    } else {
      pending_inner_key_ = std::move(k);
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  // Records a value at the current depth. A container opened at depth 2
  // (nesting 3) is rejected by Open.
  bool Scalar(Kind kind, std::string str) {
    switch (depth_) {
      case 0:
        doc_->top = kind;
        return true;
      case 1:
        doc_->entries.push_back(RawEntry{std::move(pending_outer_key_), kind, {}});
        return true;
      default: {
        RawItem item{std::move(pending_inner_key_), kind, std::move(str)};
        doc_->entries.back().items.push_back(std::move(item));
        return true;
      }
    }
  }

  bool Open(Kind kind) {
    if (depth_ >= kMaxDepth) return false;  // always a type error, see kMaxDepth
    if (!Scalar(kind, {})) return false;
    ++depth_;
    return true;
  }

  bool Close() {
    --depth_;
    return true;
  }

  RawDoc* doc_;
  int depth_ = 0;
  std::string pending_outer_key_;
  std::string pending_inner_key_;
};

using Fields = std::map<std::string, std::map<std::string, bool, std::less<>>, std::less<>>;

// Go: json.Unmarshal into map[string]map[string]bool.
bool DecodeMapOfMap(const RawDoc& doc, Fields* fields) {
  if (doc.top == Kind::kNull) return true;  // nil map, no filters
  if (doc.top != Kind::kObject) return false;
  bool ok = true;
  for (const RawEntry& entry : doc.entries) {
    std::map<std::string, bool, std::less<>> values;
    if (entry.kind == Kind::kObject) {
      for (const RawItem& item : entry.items) {
        switch (item.kind) {
          case Kind::kTrue:
            values[item.key] = true;
            break;
          case Kind::kFalse:
          case Kind::kNull:  // null leaves the bool at its zero value
            values[item.key] = false;
            break;
          default:
            ok = false;
        }
      }
    } else if (entry.kind != Kind::kNull) {
      ok = false;
    }
    (*fields)[entry.key] = std::move(values);  // last duplicate wins
  }
  return ok;
}

// Go: json.Unmarshal into map[string][]string, then every element → true.
bool DecodeMapOfList(const RawDoc& doc, Fields* fields) {
  if (doc.top == Kind::kNull) return true;
  if (doc.top != Kind::kObject) return false;
  bool ok = true;
  for (const RawEntry& entry : doc.entries) {
    std::map<std::string, bool, std::less<>> values;
    if (entry.kind == Kind::kArray) {
      for (const RawItem& item : entry.items) {
        if (item.kind == Kind::kString) {
          values[item.str] = true;
        } else if (item.kind == Kind::kNull) {
          values[""] = true;  // null leaves the string element empty
        } else {
          ok = false;
        }
      }
    } else if (entry.kind != Kind::kNull) {
      ok = false;
    }
    (*fields)[entry.key] = std::move(values);
  }
  return ok;
}


absl::Status InvalidArgument(std::string message) { return absl::InvalidArgumentError(message); }

}  // namespace

absl::Status InvalidFilterError() { return InvalidArgument("invalid filter"); }

absl::Status InvalidFilterError(std::string_view key) {
  if (key.empty()) return InvalidFilterError();
  return InvalidArgument("invalid filter '" + EchoInput(key) + "'");
}

absl::Status InvalidFilterError(std::string_view key, const std::vector<std::string>& values) {
  if (key.empty()) return InvalidFilterError();
  std::string msg = "invalid filter '" + EchoInput(key) + "=[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) msg.push_back(' ');
    msg.append(EchoInput(values[i]));
  }
  msg.append("]'");
  return InvalidArgument(std::move(msg));
}

absl::StatusOr<FilterArgs> FilterArgs::FromJSON(std::string_view text) {
  FilterArgs args;
  if (text.empty()) return args;
  // nlohmann skips a leading UTF-8 byte order mark; Go rejects it.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") return InvalidFilterError();
  std::string normalized;
  if (!NormalizeForGo(text, &normalized)) return InvalidFilterError();

  RawDoc doc;
  Recorder recorder(&doc);
  bool parsed = false;
  try {
    parsed = nlohmann::json::sax_parse(normalized, &recorder);
  } catch (const nlohmann::json::exception&) {
    parsed = false;
  }
  if (!parsed) return InvalidFilterError();

  if (DecodeMapOfMap(doc, &args.fields_)) return args;
  args.fields_.clear();
  if (DecodeMapOfList(doc, &args.fields_)) return args;
  return InvalidFilterError();
}

std::string FilterArgs::ToJSON() const {
  if (fields_.empty()) return "";
  std::string out = "{";
  bool first_key = true;
  for (const auto& [key, values] : fields_) {
    if (!first_key) out.push_back(',');
    first_key = false;
    AppendGoJsonQuoted(key, GoHtmlEscape::kOn, &out);
    out.append(":{");
    bool first_value = true;
    for (const auto& [value, flag] : values) {
      if (!first_value) out.push_back(',');
      first_value = false;
      AppendGoJsonQuoted(value, GoHtmlEscape::kOn, &out);
      out.append(flag ? ":true" : ":false");
    }
    out.push_back('}');
  }
  out.push_back('}');
  return out;
}

void FilterArgs::Add(std::string_view key, std::string_view value) {
  auto it = fields_.find(key);
  if (it == fields_.end()) it = fields_.emplace(std::string(key), ValueSet{}).first;
  auto vit = it->second.find(value);
  if (vit == it->second.end()) {
    it->second.emplace(std::string(value), true);
  } else {
    vit->second = true;
  }
}

void FilterArgs::Del(std::string_view key, std::string_view value) {
  auto it = fields_.find(key);
  if (it == fields_.end()) return;
  auto vit = it->second.find(value);
  if (vit != it->second.end()) it->second.erase(vit);
  if (it->second.empty()) fields_.erase(it);
}

void FilterArgs::DeleteKey(std::string_view key) {
  auto it = fields_.find(key);
  if (it != fields_.end()) fields_.erase(it);
}

std::vector<std::string> FilterArgs::Get(std::string_view key) const {
  std::vector<std::string> values;
  auto it = fields_.find(key);
  if (it == fields_.end()) return values;
  values.reserve(it->second.size());
  for (const auto& [value, flag] : it->second) values.push_back(value);
  return values;
}

bool FilterArgs::Contains(std::string_view key) const { return fields_.find(key) != fields_.end(); }

std::vector<std::string> FilterArgs::Keys() const {
  std::vector<std::string> keys;
  keys.reserve(fields_.size());
  for (const auto& [key, values] : fields_) keys.push_back(key);
  return keys;
}

absl::Status FilterArgs::Validate(std::span<const std::string_view> accepted) const {
  for (const auto& [key, values] : fields_) {
    bool ok = false;
    for (std::string_view a : accepted) {
      if (a == key) {
        ok = true;
        break;
      }
    }
    if (!ok) return InvalidFilterError(key);
  }
  return absl::OkStatus();
}

absl::Status FilterArgs::Validate(std::initializer_list<std::string_view> accepted) const {
  return Validate(std::span<const std::string_view>(accepted.begin(), accepted.size()));
}

FilterArgs::BoolResult FilterArgs::GetBoolOrDefault(std::string_view key,
                                                    bool default_value) const {
  auto it = fields_.find(key);
  if (it == fields_.end()) return {default_value, absl::OkStatus()};
  const ValueSet& values = it->second;
  if (values.empty()) return {default_value, InvalidFilterError(key)};
  auto is_set = [&](std::string_view v) {
    auto vit = values.find(v);
    return vit != values.end() && vit->second;
  };
  const bool is_false = is_set("0") || is_set("false");
  const bool is_true = is_set("1") || is_set("true");
  if (is_false == is_true) return {default_value, InvalidFilterError(key, Get(key))};
  return {is_true, absl::OkStatus()};
}

}  // namespace reclaim
