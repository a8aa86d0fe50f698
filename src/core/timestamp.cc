// File: core/timestamp.cc
//
// moby master's daemon/internal/timestamp.Parse over faithful re-creations of
// the Go time-package pieces it leans on: time.ParseDuration, time.Parse for
// the handful of layouts it uses, and time's own `quote` (the one in
// time.ParseError), plus strings.TrimSpace for its emptiness test. strconv
// (ParseInt, Quote / QuoteRune behind fmt's %q) and UTF-8 decoding come from
// core/go_strconv and core/utf8. Behaviour was reproduced from Go's documented
// and observed semantics; see prune.md §2.3.
#include "core/timestamp.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "core/go_strconv.h"
#include "core/utf8.h"

namespace reclaim {
namespace {

constexpr std::string_view kFailedPrefix = "failed to parse value as time or duration: ";
constexpr char kLowerHex[] = "0123456789abcdef";

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(message); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// isDigit(s, i) of Go's time package: s[i] exists and is a decimal digit.
bool IsDigitAt(std::string_view s, size_t i) { return i < s.size() && IsDigit(s[i]); }

// ---------------------------------------------------------------------------
// strings.TrimSpace, for the "value is empty" test.

// Go's unicode.IsSpace (the White_Space property).
bool IsGoSpace(char32_t r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

// strings.TrimSpace(s) == "" in Go.
bool IsBlank(std::string_view s) {
  while (!s.empty()) {
    const utf8::DecodedRune d = utf8::DecodeRune(s);
    // An undecodable byte decodes as U+FFFD, which is not a space.
    if (!IsGoSpace(d.rune)) return false;
    s.remove_prefix(d.width);
  }
  return true;
}

// The `quote` helper of Go's time package (used by time.ParseError and
// time.ParseDuration errors): every byte that is a control character or part
// of a non-ASCII sequence, valid or not, is written as \xHH; `"` and `\` are
// backslashed; everything else, DEL included, is copied.
std::string TimeQuote(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    if (b >= 0x80 || b < ' ') {
      out += "\\x";
      out += kLowerHex[b >> 4];
      out += kLowerHex[b & 0xF];
      continue;
    }
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '"';
  return out;
}

// ---------------------------------------------------------------------------
// time.ParseDuration.

constexpr uint64_t kTwoTo63 = uint64_t{1} << 63;

// Go's leadingInt: the leading [0-9]* of `s` into `*value` and the count of
// digits into `*used`; false on overflow past 2^63.
bool LeadingInt(std::string_view s, uint64_t* value, size_t* used) {
  uint64_t x = 0;
  size_t i = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    if (x > kTwoTo63 / 10) return false;
    x = x * 10 + static_cast<uint64_t>(s[i] - '0');
    if (x > kTwoTo63) return false;
  }
  *value = x;
  *used = i;
  return true;
}

// Go's leadingFraction: digits past what fits are consumed but ignored.
size_t LeadingFraction(std::string_view s, uint64_t* value, double* scale) {
  uint64_t x = 0;
  double sc = 1;
  bool overflow = false;
  size_t i = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    if (overflow) continue;
    if (x > (kTwoTo63 - 1) / 10) {
      overflow = true;
      continue;
    }
    const uint64_t y = x * 10 + static_cast<uint64_t>(s[i] - '0');
    if (y > kTwoTo63) {
      overflow = true;
      continue;
    }
    x = y;
    sc *= 10;
  }
  *value = x;
  *scale = sc;
  return i;
}

// Nanoseconds per unit, 0 for an unknown unit.
uint64_t UnitNanos(std::string_view unit) {
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 8> kUnits = {{
      {"ns", 1},
      {"us", 1'000},
      {"\xC2\xB5s", 1'000},  // U+00B5 MICRO SIGN
      {"\xCE\xBCs", 1'000},  // U+03BC GREEK SMALL LETTER MU
      {"ms", 1'000'000},
      {"s", 1'000'000'000},
      {"m", 60'000'000'000},
      {"h", 3'600'000'000'000},
  }};
  for (const auto& [name, nanos] : kUnits) {
    if (name == unit) return nanos;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// time.Parse, for the layout elements moby's layouts use.

enum class Std {
  kNone,
  kLongYear,        // 2006
  kZeroMonth,       // 01
  kZeroDay,         // 02
  kHour,            // 15
  kZeroMinute,      // 04
  kZeroSecond,      // 05
  kFracSecond9,     // .999999999
  kIso8601ColonTz,  // Z07:00
};

struct StdChunk {
  std::string_view prefix;  // literal text before the element
  Std std = Std::kNone;
  std::string_view elem;    // the element's own text, e.g. "05"
  std::string_view suffix;  // the layout after the element
};

// Go's nextStdChunk, restricted to the elements above. The layouts passed in
// (the constants below) contain no other Go layout element, so the split is
// the one Go makes.
StdChunk NextStdChunk(std::string_view layout) {
  static constexpr std::array<std::pair<std::string_view, Std>, 7> kFixed = {{
      {"2006", Std::kLongYear},
      {"01", Std::kZeroMonth},
      {"02", Std::kZeroDay},
      {"15", Std::kHour},
      {"04", Std::kZeroMinute},
      {"05", Std::kZeroSecond},
      {"Z07:00", Std::kIso8601ColonTz},
  }};
  for (size_t i = 0; i < layout.size(); ++i) {
    const std::string_view rest = layout.substr(i);
    for (const auto& [text, std] : kFixed) {
      if (rest.starts_with(text)) {
        return {layout.substr(0, i), std, rest.substr(0, text.size()), rest.substr(text.size())};
      }
    }
    if (rest.size() > 1 && rest[0] == '.' && rest[1] == '9') {
      size_t j = 1;
      while (j < rest.size() && rest[j] == '9') ++j;
      if (!IsDigitAt(rest, j)) {
        return {layout.substr(0, i), Std::kFracSecond9, rest.substr(0, j), rest.substr(j)};
      }
    }
  }
  return {layout, Std::kNone, {}, {}};
}

// The layouts of moby's timestamp package.
constexpr std::string_view kRfc3339Nano = "2006-01-02T15:04:05.999999999Z07:00";
constexpr std::string_view kRfc3339 = "2006-01-02T15:04:05Z07:00";
constexpr std::string_view kRfc3339NanoLocal = "2006-01-02T15:04:05.999999999";
constexpr std::string_view kRfc3339Local = "2006-01-02T15:04:05";
constexpr std::string_view kMinuteLocal = "2006-01-02T15:04";
constexpr std::string_view kMinuteWithZone = "2006-01-02T15:04Z07:00";
constexpr std::string_view kHourLocal = "2006-01-02T15";
constexpr std::string_view kHourWithZone = "2006-01-02T15Z07:00";
constexpr std::string_view kDateLocal = "2006-01-02";
constexpr std::string_view kDateWithZone = "2006-01-02Z07:00";

// time.ParseError.Error().
absl::Status ParseError(std::string_view layout, std::string_view value,
                        std::string_view layout_elem, std::string_view value_elem,
                        const std::string& message) {
  std::string text = "parsing time " + TimeQuote(value);
  if (message.empty()) {
    text += " as " + TimeQuote(layout) + ": cannot parse " + TimeQuote(value_elem) + " as " +
            TimeQuote(layout_elem);
  } else {
    text += message;
  }
  return Invalid(std::move(text));
}

// Go's getnum: one or two leading digits (exactly two when `fixed`). On
// failure `*out` is 0 and `*value` is unchanged, as in Go.
bool GetNum(std::string_view* value, bool fixed, int* out) {
  *out = 0;
  if (!IsDigitAt(*value, 0)) return false;
  if (!IsDigitAt(*value, 1)) {
    if (fixed) return false;
    *out = (*value)[0] - '0';
    value->remove_prefix(1);
    return true;
  }
  *out = ((*value)[0] - '0') * 10 + ((*value)[1] - '0');
  value->remove_prefix(2);
  return true;
}

// Go's skip: consumes the literal `prefix`, runs of spaces matching runs of
// spaces. On mismatch `*value` is left where matching stopped.
bool Skip(std::string_view* value, std::string_view prefix) {
  const auto cut_spaces = [](std::string_view s) {
    while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    return s;
  };
  while (!prefix.empty()) {
    if (prefix[0] == ' ') {
      if (!value->empty() && (*value)[0] != ' ') return false;
      prefix = cut_spaces(prefix);
      *value = cut_spaces(*value);
      continue;
    }
    if (value->empty() || (*value)[0] != prefix[0]) return false;
    prefix.remove_prefix(1);
    value->remove_prefix(1);
  }
  return true;
}

bool CommaOrPeriod(char c) { return c == '.' || c == ','; }

// Go's parseNanoseconds for `value` = separator + digits, `nbytes` long; the
// callers guarantee that shape, so it cannot fail. Digits past the ninth are
// dropped.
int ParseNanoseconds(std::string_view value, size_t nbytes) {
  nbytes = std::min<size_t>(nbytes, 10);
  int ns = 0;
  for (size_t i = 1; i < nbytes; ++i) ns = ns * 10 + (value[i] - '0');
  for (size_t i = nbytes; i < 10; ++i) ns *= 10;
  return ns;
}

bool IsLeap(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int DaysIn(int month, int year) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeap(year)) return 29;
  return kDays[month - 1];
}

// Go's time.Parse(layout, value) (`default_offset` 0) or
// time.ParseInLocation(layout, value, time.FixedZone(_, default_offset)),
// returning the instant. Zone names and the Local-zone lookup Go performs for
// a numeric offset only affect the returned Location, not the instant.
absl::StatusOr<absl::Time> GoParseTime(std::string_view layout, std::string_view value,
                                       int default_offset) {
  const std::string_view full_layout = layout;
  const std::string_view full_value = value;
  int year = 0;
  int month = -1;
  int day = -1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int nanos = 0;
  bool utc = false;
  std::optional<int> zone_offset;

  for (;;) {
    const StdChunk chunk = NextStdChunk(layout);
    if (!Skip(&value, chunk.prefix)) {
      return ParseError(full_layout, full_value, chunk.prefix, value, "");
    }
    if (chunk.std == Std::kNone) {
      if (!value.empty()) {
        return ParseError(full_layout, full_value, "", value, ": extra text: " + TimeQuote(value));
      }
      break;
    }
    layout = chunk.suffix;
    const std::string_view hold = value;
    std::string_view range_error;
    bool bad = false;
    switch (chunk.std) {
      case Std::kNone:
        break;
      case Std::kLongYear:
        if (value.size() < 4 || !IsDigitAt(value, 0)) {
          bad = true;
          break;
        }
        year = 0;
        for (size_t i = 0; i < 4; ++i) {
          if (!IsDigit(value[i])) {
            bad = true;
            break;
          }
          year = year * 10 + (value[i] - '0');
        }
        value.remove_prefix(4);
        break;
      case Std::kZeroMonth:
        bad = !GetNum(&value, /*fixed=*/true, &month);
        if (!bad && (month <= 0 || month > 12)) range_error = "month";
        break;
      case Std::kZeroDay:
        bad = !GetNum(&value, /*fixed=*/true, &day);
        break;
      case Std::kHour:
        bad = !GetNum(&value, /*fixed=*/false, &hour);
        if (hour >= 24) range_error = "hour";
        break;
      case Std::kZeroMinute:
        bad = !GetNum(&value, /*fixed=*/true, &minute);
        if (minute >= 60) range_error = "minute";
        break;
      case Std::kZeroSecond:
        bad = !GetNum(&value, /*fixed=*/true, &second);
        if (bad) break;
        if (second >= 60) {
          range_error = "second";
          break;
        }
        // A fraction the layout does not ask for is still accepted.
        if (value.size() >= 2 && CommaOrPeriod(value[0]) && IsDigitAt(value, 1)) {
          if (NextStdChunk(layout).std == Std::kFracSecond9) break;
          size_t n = 2;
          while (IsDigitAt(value, n)) ++n;
          nanos = ParseNanoseconds(value, n);
          value.remove_prefix(n);
        }
        break;
      case Std::kFracSecond9: {
        if (value.size() < 2 || !CommaOrPeriod(value[0]) || !IsDigitAt(value, 1)) {
          break;  // fraction omitted
        }
        size_t i = 0;
        while (IsDigitAt(value, i + 1)) ++i;
        nanos = ParseNanoseconds(value, i + 1);
        value.remove_prefix(i + 1);
        break;
      }
      case Std::kIso8601ColonTz: {
        if (!value.empty() && value[0] == 'Z') {
          value.remove_prefix(1);
          utc = true;
          break;
        }
        if (value.size() < 6 || value[3] != ':') {
          bad = true;
          break;
        }
        const char sign = value[0];
        std::string_view hh = value.substr(1, 2);
        std::string_view mm = value.substr(4, 2);
        value.remove_prefix(6);
        int hr = 0;
        int mi = 0;
        bad = !GetNum(&hh, /*fixed=*/true, &hr) || !GetNum(&mm, /*fixed=*/true, &mi);
        // Go compares with > (offsets of 24h or 60m are written by some).
        if (hr > 24) range_error = "time zone offset hour";
        if (mi > 60) range_error = "time zone offset minute";
        int offset = (hr * 60 + mi) * 60;
        if (sign == '-') {
          offset = -offset;
        } else if (sign != '+') {
          bad = true;
        }
        zone_offset = offset;
        break;
      }
    }
    if (!range_error.empty()) {
      return ParseError(full_layout, full_value, chunk.elem, value,
                        ": " + std::string(range_error) + " out of range");
    }
    if (bad) return ParseError(full_layout, full_value, chunk.elem, hold, "");
  }

  if (month < 0) month = 1;
  if (day < 0) day = 1;
  if (day < 1 || day > DaysIn(month, year)) {
    return ParseError(full_layout, full_value, "", value, ": day out of range");
  }
  int offset = default_offset;
  if (utc) {
    offset = 0;
  } else if (zone_offset.has_value()) {
    offset = *zone_offset;
  }
  const absl::Time wall = absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second),
                                          absl::UTCTimeZone());
  return wall + absl::Nanoseconds(nanos) - absl::Seconds(offset);
}

// ---------------------------------------------------------------------------
// Unix timestamps.

// Seconds from the Unix epoch to Go's internal epoch (January 1, year 1).
constexpr int64_t kUnixToInternal = 62'135'596'800;

// Go's time.Unix(seconds, nanos) as an instant. Go adds kUnixToInternal with
// int64 wrap-around; past the wrap its time sorts before every real time.
absl::Time GoUnixTime(int64_t seconds, int64_t nanos) {
  if (seconds > std::numeric_limits<int64_t>::max() - kUnixToInternal) {
    return absl::InfinitePast();
  }
  return absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
}

// moby's parseTimestamp; errors without the "failed to parse" prefix.
absl::StatusOr<absl::Time> ParseUnixTimestamp(std::string_view value) {
  const size_t dot = value.find('.');
  const std::string_view seconds_text = value.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : value.substr(dot + 1);
  absl::StatusOr<int64_t> seconds = strconv::ParseInt64(seconds_text);
  if (!seconds.ok()) {
    const std::string_view why =
        absl::IsOutOfRange(seconds.status()) ? strconv::kErrRange : strconv::kErrSyntax;
    return Invalid("invalid seconds " + strconv::Quote(seconds_text) + ": " + std::string(why));
  }
  if (fraction.empty() || fraction == "0" || fraction == "000000000") {
    return GoUnixTime(*seconds, 0);
  }
  constexpr size_t kMaxFractionDigits = 20;
  if (fraction.size() > kMaxFractionDigits) {
    return Invalid("invalid nanoseconds: length " + std::to_string(fraction.size()) +
                   " exceeds maximum " + std::to_string(kMaxFractionDigits));
  }
  for (size_t i = 0; i < fraction.size(); ++i) {
    if (!IsDigit(fraction[i])) {
      return Invalid("invalid nanoseconds: invalid character " +
                     strconv::QuoteRune(static_cast<unsigned char>(fraction[i])) + " at position " +
                     std::to_string(i));
    }
  }
  int64_t nanos = 0;
  for (size_t i = 0; i < 9; ++i) {
    nanos = nanos * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  }
  return GoUnixTime(*seconds, nanos);
}

size_t CountByte(std::string_view s, char c) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), c));
}

bool Contains(std::string_view s, char c) { return s.find(c) != std::string_view::npos; }

}  // namespace

absl::StatusOr<int64_t> ParseGoDuration(std::string_view text) {
  const auto invalid = [text] { return Invalid("time: invalid duration " + TimeQuote(text)); };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return invalid();
  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || IsDigit(s[0]))) return invalid();
    uint64_t whole = 0;
    size_t used = 0;
    if (!LeadingInt(s, &whole, &used)) return invalid();
    const bool pre = used != 0;
    s.remove_prefix(used);
    uint64_t fraction = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      const size_t fraction_used = LeadingFraction(s, &fraction, &scale);
      post = fraction_used != 0;
      s.remove_prefix(fraction_used);
    }
    if (!pre && !post) return invalid();  // e.g. ".s"
    size_t unit_len = 0;
    while (unit_len < s.size() && s[unit_len] != '.' && !IsDigit(s[unit_len])) {
      ++unit_len;
    }
    if (unit_len == 0) {
      return Invalid("time: missing unit in duration " + TimeQuote(text));
    }
    const std::string_view unit_text = s.substr(0, unit_len);
    s.remove_prefix(unit_len);
    const uint64_t unit = UnitNanos(unit_text);
    if (unit == 0) {
      return Invalid("time: unknown unit " + TimeQuote(unit_text) + " in duration " +
                     TimeQuote(text));
    }
    if (whole > kTwoTo63 / unit) return invalid();
    uint64_t v = whole * unit;
    if (fraction > 0) {
      // Go computes the fractional part in float64 and truncates it.
      v += static_cast<uint64_t>(static_cast<double>(fraction) *
                                 (static_cast<double>(unit) / scale));
      if (v > kTwoTo63) return invalid();
    }
    // Go's uint64 sum wraps: 2^63 + 2^63 is 0 and is not caught below.
    total += v;
    if (total > kTwoTo63) return invalid();
  }
  if (negative) {
    // -Duration(total) in Go: 2^63 becomes INT64_MIN.
    return static_cast<int64_t>(uint64_t{0} - total);
  }
  if (total > kTwoTo63 - 1) return invalid();
  return static_cast<int64_t>(total);
}

absl::StatusOr<absl::Time> ParseTimestamp(std::string_view value, absl::Time reference,
                                          absl::TimeZone local) {
  if (IsBlank(value)) {
    return Invalid(std::string(kFailedPrefix) + "value is empty");
  }
  if (value != "0") {
    if (absl::StatusOr<int64_t> d = ParseGoDuration(value); d.ok()) {
      // reference.Add(-d) in Go, where negating INT64_MIN wraps to itself.
      const auto back = static_cast<int64_t>(uint64_t{0} - static_cast<uint64_t>(*d));
      return reference + absl::Nanoseconds(back);
    }
  }

  // "Local mode": no zone designator and not exactly three dashes.
  const bool in_location =
      value.find_first_of("zZ+") == std::string_view::npos && CountByte(value, '-') != 3;
  std::string_view layout;
  if (Contains(value, '.')) {
    layout = in_location ? kRfc3339NanoLocal : kRfc3339Nano;
  } else if (Contains(value, 'T')) {
    size_t colons = CountByte(value, ':');
    // A numeric offset's colon is not a time colon.
    if (!in_location && value.find_first_of("zZ") == std::string_view::npos && colons > 0) {
      --colons;
    }
    if (in_location) {
      layout = colons == 0 ? kHourLocal : colons == 1 ? kMinuteLocal : kRfc3339Local;
    } else {
      layout = colons == 0 ? kHourWithZone : colons == 1 ? kMinuteWithZone : kRfc3339;
    }
  } else {
    layout = in_location ? kDateLocal : kDateWithZone;
  }

  const int offset = in_location ? local.At(reference).offset : 0;
  absl::StatusOr<absl::Time> date = GoParseTime(layout, value, offset);
  if (date.ok()) return date;
  // Looks like a date: Go's parse error is the answer.
  if (Contains(value, '-')) return date.status();

  absl::StatusOr<absl::Time> unix = ParseUnixTimestamp(value);
  if (!unix.ok()) {
    return Invalid(std::string(kFailedPrefix) + std::string(unix.status().message()));
  }
  return unix;
}

std::string FormatRfc3339Nano(absl::Time t) {
  if (t == absl::InfinitePast()) return "infinite-past";
  if (t == absl::InfiniteFuture()) return "infinite-future";
  const absl::TimeZone::CivilInfo ci = absl::UTCTimeZone().At(t);
  const absl::CivilSecond& cs = ci.cs;
  std::string out;
  int64_t year = cs.year();
  if (year < 0) {
    out += '-';
    year = -year;
  }
  std::string digits = std::to_string(year);
  if (digits.size() < 4) out.append(4 - digits.size(), '0');
  out += digits;
  const auto two = [&out](int v) {
    out += static_cast<char>('0' + v / 10);
    out += static_cast<char>('0' + v % 10);
  };
  out += '-';
  two(cs.month());
  out += '-';
  two(cs.day());
  out += 'T';
  two(cs.hour());
  out += ':';
  two(cs.minute());
  out += ':';
  two(cs.second());
  int64_t nanos = absl::ToInt64Nanoseconds(ci.subsecond);
  if (nanos != 0) {
    std::string frac = std::to_string(nanos);
    frac.insert(0, 9 - frac.size(), '0');
    while (frac.back() == '0') frac.pop_back();
    out += '.';
    out += frac;
  }
  out += 'Z';
  return out;
}

absl::Status UntilFilterError(const absl::Status& parse_error) {
  if (parse_error.ok()) return parse_error;
  return absl::InvalidArgumentError(std::string(kUntilFilterErrorPrefix) +
                                    std::string(parse_error.message()));
}

}  // namespace reclaim
