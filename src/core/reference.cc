// File: core/reference.cc
//
// Hand-written matcher for the distribution/reference grammar (see
// reference.h). Every matcher is a single left-to-right scan with no
// recursion and no backtracking beyond a constant number of retries, so run
// time is linear in the input and stack use is constant.
#include "core/reference.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/path_match.h"
#include "core/status.h"
#include "core/utf8.h"

namespace reclaim {

namespace reference_internal {
struct Factory {
  static Reference Make(std::string domain, std::string path, std::string tag,
                        std::string digest) {
    return Reference(std::move(domain), std::move(path), std::move(tag), std::move(digest));
  }
};
}  // namespace reference_internal

namespace {

using reference_internal::Factory;

constexpr std::string_view kDefaultDomain = "docker.io";
constexpr std::string_view kLegacyDefaultDomain = "index.docker.io";
constexpr std::string_view kOfficialRepoPrefix = "library/";
constexpr std::string_view kLocalhost = "localhost";
constexpr std::string_view kDefaultTag = "latest";
constexpr size_t kRepositoryNameTotalLengthMax = 255;
constexpr size_t kTagMaxLength = 128;      // [\w][\w.-]{0,127}
constexpr size_t kDigestMinHexLength = 32;  // [[:xdigit:]]{32,}

// Error texts of distribution/reference and go-digest.
constexpr std::string_view kErrReferenceInvalidFormat = "invalid reference format";
constexpr std::string_view kErrTagInvalidFormat = "invalid tag format";
constexpr std::string_view kErrDigestInvalidFormat = "invalid digest format";
constexpr std::string_view kErrNameContainsUppercase = "repository name must be lowercase";
constexpr std::string_view kErrNameEmpty = "repository name must have at least one component";
constexpr std::string_view kErrNameTooLong =
    "repository name must not be more than 255 characters";
constexpr std::string_view kErrNameNotCanonical = "repository name must be canonical";
constexpr std::string_view kErrChecksumFormat = "invalid checksum digest format";
constexpr std::string_view kErrChecksumLength = "invalid checksum digest length";
constexpr std::string_view kErrDigestUnsupported = "unsupported digest algorithm";

absl::Status Invalid(std::string_view message) {
  return absl::InvalidArgumentError(std::string(message));
}

// ---------------------------------------------------------------------------
// Character classes (ASCII only, independent of the C locale).

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }
bool IsXDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsLowerHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }
bool IsWord(char c) { return IsAlnum(c) || c == '_'; }  // RE2 \w

// ---------------------------------------------------------------------------
// Grammar matchers; each matches the whole of its argument.

// path-component := [a-z0-9]+ (("." | "_" | "__" | "-"+) [a-z0-9]+)*
bool MatchPathComponent(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  auto alnum_run = [&] {
    const size_t start = i;
    while (i < n && IsLowerAlnum(s[i])) ++i;
    return i > start;
  };
  if (!alnum_run()) return false;
  while (i < n) {
    switch (s[i]) {
      case '.':
        ++i;
        break;
      case '_':
        ++i;
        if (i < n && s[i] == '_') ++i;
        break;
      case '-':
        while (i < n && s[i] == '-') ++i;
        break;
      default:
        return false;
    }
    if (!alnum_run()) return false;
  }
  return true;
}

// path := path-component ("/" path-component)*
bool MatchRemoteName(std::string_view s) {
  while (true) {
    const size_t slash = s.find('/');
    if (!MatchPathComponent(s.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    s.remove_prefix(slash + 1);
  }
}

// domain-name := component ("." component)*
// component   := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool MatchDomainName(std::string_view s) {
  while (true) {
    const size_t dot = s.find('.');
    const std::string_view comp = s.substr(0, dot);
    if (comp.empty() || !IsAlnum(comp.front()) || !IsAlnum(comp.back())) return false;
    for (char c : comp) {
      if (!IsAlnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

// domain := (domain-name | "[" [a-fA-F0-9:]+ "]") (":" [0-9]+)?
bool MatchDomainAndPort(std::string_view s) {
  size_t host_end;
  if (!s.empty() && s.front() == '[') {
    host_end = s.find(']');
    if (host_end == std::string_view::npos || host_end == 1) return false;
    for (size_t i = 1; i < host_end; ++i) {
      if (!IsXDigit(s[i]) && s[i] != ':') return false;
    }
    ++host_end;
  } else {
    host_end = std::min(s.find(':'), s.size());
    if (!MatchDomainName(s.substr(0, host_end))) return false;
  }
  const std::string_view port = s.substr(host_end);
  if (port.empty()) return true;
  if (port.front() != ':' || port.size() == 1) return false;
  return std::all_of(port.begin() + 1, port.end(), IsDigit);
}

// tag := [\w][\w.-]{0,127}
bool MatchTag(std::string_view s) {
  if (s.empty() || s.size() > kTagMaxLength || !IsWord(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return IsWord(c) || c == '.' || c == '-'; });
}

// digest := [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ":" [[:xdigit:]]{32,}
bool MatchDigestPattern(std::string_view s) {
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view algorithm = s.substr(0, colon);
  const std::string_view hex = s.substr(colon + 1);
  bool want_alpha = true;  // at the start of an algorithm component
  for (char c : algorithm) {
    if (want_alpha) {
      if (!IsAlpha(c)) return false;
      want_alpha = false;
    } else if (c == '-' || c == '_' || c == '+' || c == '.') {
      want_alpha = true;
    } else if (!IsAlnum(c)) {
      return false;
    }
  }
  if (want_alpha) return false;  // empty algorithm or trailing separator
  return hex.size() >= kDigestMinHexLength && std::all_of(hex.begin(), hex.end(), IsXDigit);
}

// identifier := [a-f0-9]{64}
bool IsIdentifier(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), IsLowerHex);
}

// The captures of distribution/reference's anchored reference regexp followed
// by its anchored name regexp: name = [domain "/"] path, then tag, digest.
struct Parts {
  std::string_view domain;
  std::string_view path;
  std::string_view tag;
  std::string_view digest;
};

// Neither path nor tag may contain '@', so the first '@' starts the digest.
// A ':' after the last '/' can only be the tag separator (ports sit in the
// domain, which is followed by '/'; tags contain neither ':' nor '/'). The
// optional domain group is greedy: the first element is the domain whenever it
// is a valid host and the rest a valid path.
std::optional<Parts> MatchReference(std::string_view s) {
  Parts p;
  std::string_view name = s;
  if (const size_t at = s.find('@'); at != std::string_view::npos) {
    p.digest = s.substr(at + 1);
    if (!MatchDigestPattern(p.digest)) return std::nullopt;
    name = s.substr(0, at);
  }
  const size_t colon = name.rfind(':');
  const size_t last_slash = name.rfind('/');
  if (colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || colon > last_slash)) {
    p.tag = name.substr(colon + 1);
    if (!MatchTag(p.tag)) return std::nullopt;
    name = name.substr(0, colon);
  }
  if (const size_t slash = name.find('/'); slash != std::string_view::npos &&
                                           MatchDomainAndPort(name.substr(0, slash)) &&
                                           MatchRemoteName(name.substr(slash + 1))) {
    p.domain = name.substr(0, slash);
    p.path = name.substr(slash + 1);
    return p;
  }
  if (!MatchRemoteName(name)) return std::nullopt;
  p.path = name;
  return p;
}

// ---------------------------------------------------------------------------
// Go's strings.ToLower, as far as the parser can observe it.

// Code points whose Unicode simple lowercase mapping (Go's unicode.ToLower)
// differs from themselves, beyond ASCII: {first, last, stride}. Generated from
// the Unicode Character Database (UnicodeData.txt field 13, Unicode 14/15).
struct CaseRun {
  uint32_t first;
  uint32_t last;
  uint32_t stride;
};
constexpr CaseRun kUppercaseRuns[] = {
    {0x00C0, 0x00D6, 1}, {0x00D8, 0x00DE, 1}, {0x0100, 0x0136, 2}, {0x0139, 0x0147, 2},
    {0x014A, 0x0178, 2}, {0x0179, 0x017D, 2}, {0x0181, 0x0182, 1}, {0x0184, 0x0186, 2},
    {0x0187, 0x0189, 2}, {0x018A, 0x018B, 1}, {0x018E, 0x0191, 1}, {0x0193, 0x0194, 1},
    {0x0196, 0x0198, 1}, {0x019C, 0x019D, 1}, {0x019F, 0x01A0, 1}, {0x01A2, 0x01A6, 2},
    {0x01A7, 0x01A9, 2}, {0x01AC, 0x01AE, 2}, {0x01AF, 0x01B1, 2}, {0x01B2, 0x01B3, 1},
    {0x01B5, 0x01B7, 2}, {0x01B8, 0x01B8, 1}, {0x01BC, 0x01BC, 1}, {0x01C4, 0x01C5, 1},
    {0x01C7, 0x01C8, 1}, {0x01CA, 0x01CB, 1}, {0x01CD, 0x01DB, 2}, {0x01DE, 0x01EE, 2},
    {0x01F1, 0x01F2, 1}, {0x01F4, 0x01F6, 2}, {0x01F7, 0x01F8, 1}, {0x01FA, 0x0232, 2},
    {0x023A, 0x023B, 1}, {0x023D, 0x023E, 1}, {0x0241, 0x0243, 2}, {0x0244, 0x0246, 1},
    {0x0248, 0x024E, 2}, {0x0370, 0x0372, 2}, {0x0376, 0x0376, 1}, {0x037F, 0x037F, 1},
    {0x0386, 0x0388, 2}, {0x0389, 0x038A, 1}, {0x038C, 0x038E, 2}, {0x038F, 0x0391, 2},
    {0x0392, 0x03A1, 1}, {0x03A3, 0x03AB, 1}, {0x03CF, 0x03CF, 1}, {0x03D8, 0x03EE, 2},
    {0x03F4, 0x03F4, 1}, {0x03F7, 0x03F9, 2}, {0x03FA, 0x03FA, 1}, {0x03FD, 0x042F, 1},
    {0x0460, 0x0480, 2}, {0x048A, 0x04C0, 2}, {0x04C1, 0x04CD, 2}, {0x04D0, 0x052E, 2},
    {0x0531, 0x0556, 1}, {0x10A0, 0x10C5, 1}, {0x10C7, 0x10C7, 1}, {0x10CD, 0x10CD, 1},
    {0x13A0, 0x13F5, 1}, {0x1C90, 0x1CBA, 1}, {0x1CBD, 0x1CBF, 1}, {0x1E00, 0x1E94, 2},
    {0x1E9E, 0x1EFE, 2}, {0x1F08, 0x1F0F, 1}, {0x1F18, 0x1F1D, 1}, {0x1F28, 0x1F2F, 1},
    {0x1F38, 0x1F3F, 1}, {0x1F48, 0x1F4D, 1}, {0x1F59, 0x1F5F, 2}, {0x1F68, 0x1F6F, 1},
    {0x1F88, 0x1F8F, 1}, {0x1F98, 0x1F9F, 1}, {0x1FA8, 0x1FAF, 1}, {0x1FB8, 0x1FBC, 1},
    {0x1FC8, 0x1FCC, 1}, {0x1FD8, 0x1FDB, 1}, {0x1FE8, 0x1FEC, 1}, {0x1FF8, 0x1FFC, 1},
    {0x2126, 0x2126, 1}, {0x212A, 0x212B, 1}, {0x2132, 0x2132, 1}, {0x2160, 0x216F, 1},
    {0x2183, 0x2183, 1}, {0x24B6, 0x24CF, 1}, {0x2C00, 0x2C2F, 1}, {0x2C60, 0x2C62, 2},
    {0x2C63, 0x2C64, 1}, {0x2C67, 0x2C6D, 2}, {0x2C6E, 0x2C70, 1}, {0x2C72, 0x2C72, 1},
    {0x2C75, 0x2C75, 1}, {0x2C7E, 0x2C80, 1}, {0x2C82, 0x2CE2, 2}, {0x2CEB, 0x2CED, 2},
    {0x2CF2, 0x2CF2, 1}, {0xA640, 0xA66C, 2}, {0xA680, 0xA69A, 2}, {0xA722, 0xA72E, 2},
    {0xA732, 0xA76E, 2}, {0xA779, 0xA77D, 2}, {0xA77E, 0xA786, 2}, {0xA78B, 0xA78D, 2},
    {0xA790, 0xA792, 2}, {0xA796, 0xA7AA, 2}, {0xA7AB, 0xA7AE, 1}, {0xA7B0, 0xA7B4, 1},
    {0xA7B6, 0xA7C4, 2}, {0xA7C5, 0xA7C7, 1}, {0xA7C9, 0xA7C9, 1}, {0xA7D0, 0xA7D0, 1},
    {0xA7D6, 0xA7D8, 2}, {0xA7F5, 0xA7F5, 1}, {0xFF21, 0xFF3A, 1}, {0x10400, 0x10427, 1},
    {0x104B0, 0x104D3, 1}, {0x10570, 0x1057A, 1}, {0x1057C, 0x1058A, 1}, {0x1058C, 0x10592, 1},
    {0x10594, 0x10595, 1}, {0x10C80, 0x10CB2, 1}, {0x118A0, 0x118BF, 1}, {0x16E40, 0x16E5F, 1},
    {0x1E900, 0x1E921, 1},
};

bool HasLowerMapping(uint32_t cp) {
  const auto* it = std::upper_bound(std::begin(kUppercaseRuns), std::end(kUppercaseRuns), cp,
                                    [](uint32_t v, const CaseRun& r) { return v < r.first; });
  if (it == std::begin(kUppercaseRuns)) return false;
  --it;
  return cp <= it->last && (cp - it->first) % it->stride == 0;
}

// True when Go's strings.ToLower(s) != s: an ASCII capital, a rune with a
// lowercase mapping, or an invalid UTF-8 byte (replaced by U+FFFD).
bool GoToLowerChanges(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (static_cast<unsigned char>(c) < 0x80) {
      if (c >= 'A' && c <= 'Z') return true;
      ++i;
      continue;
    }
    const utf8::DecodedRune d = utf8::DecodeRune(s.substr(i));
    if (d.invalid() || HasLowerMapping(d.rune)) return true;
    i += d.width;
  }
  return false;
}

// Go's strings.ToLower(s) when the result is pure ASCII (only then can it match
// the ASCII grammar): ASCII letters plus U+0130 -> 'i' and U+212A (Kelvin) ->
// 'k'. nullopt when the result would contain any other non-ASCII rune.
std::optional<std::string> GoToLowerIfAscii(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (static_cast<unsigned char>(c) < 0x80) {
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
      ++i;
      continue;
    }
    const utf8::DecodedRune d = utf8::DecodeRune(s.substr(i));
    if (d.rune == 0x0130) {
      out.push_back('i');
    } else if (d.rune == 0x212A) {
      out.push_back('k');
    } else {
      return std::nullopt;
    }
    i += d.width;
  }
  return out;
}

// ---------------------------------------------------------------------------
// go-digest v1.0.0 Digest.Validate, with sha256/sha384/sha512 available.
absl::Status ValidateGoDigest(std::string_view d) {
  const size_t colon = d.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon + 1 == d.size()) {
    return Invalid(kErrChecksumFormat);
  }
  const std::string_view algorithm = d.substr(0, colon);
  const std::string_view encoded = d.substr(colon + 1);
  size_t hex_length = 0;
  if (algorithm == "sha256") {
    hex_length = 64;
  } else if (algorithm == "sha384") {
    hex_length = 96;
  } else if (algorithm == "sha512") {
    hex_length = 128;
  }
  if (hex_length == 0) {
    // Not available: go-digest's DigestRegexpAnchored decides between format
    // and unsupported: [a-z0-9]+([.+_-][a-z0-9]+)* ":" [a-zA-Z0-9=_-]+
    bool want_alnum = true;
    for (char c : algorithm) {
      if (IsLowerAlnum(c)) {
        want_alnum = false;
      } else if (!want_alnum && (c == '.' || c == '+' || c == '_' || c == '-')) {
        want_alnum = true;
      } else {
        return Invalid(kErrChecksumFormat);
      }
    }
    if (want_alnum) return Invalid(kErrChecksumFormat);
    for (char c : encoded) {
      if (!IsAlnum(c) && c != '=' && c != '_' && c != '-') return Invalid(kErrChecksumFormat);
    }
    return Invalid(kErrDigestUnsupported);
  }
  if (encoded.size() != hex_length) return Invalid(kErrChecksumLength);
  if (!std::all_of(encoded.begin(), encoded.end(), IsLowerHex)) {
    return Invalid(kErrChecksumFormat);
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------

// distribution/reference Parse, restricted to the named results (the callers
// here always pass a non-empty name).
absl::StatusOr<Reference> ParseNamedReference(std::string_view s) {
  if (s.empty()) return Invalid(kErrNameEmpty);
  const std::optional<Parts> parts = MatchReference(s);
  if (!parts.has_value()) {
    const std::optional<std::string> lower = GoToLowerIfAscii(s);
    if (lower.has_value() && *lower != s && MatchReference(*lower).has_value()) {
      return Invalid(kErrNameContainsUppercase);
    }
    return Invalid(kErrReferenceInvalidFormat);
  }
  if (parts->path.size() > kRepositoryNameTotalLengthMax) return Invalid(kErrNameTooLong);
  if (!parts->digest.empty()) {
    if (absl::Status st = ValidateGoDigest(parts->digest); !st.ok()) return st;
  }
  return Factory::Make(std::string(parts->domain), std::string(parts->path),
                       std::string(parts->tag), std::string(parts->digest));
}

// splitDockerDomain: the domain and remote name (with tag/digest still
// attached) as the normaliser sees them.
std::pair<std::string, std::string> SplitDockerDomain(std::string_view name) {
  const size_t slash = name.find('/');
  if (slash == std::string_view::npos) {
    return {std::string(kDefaultDomain), std::string(kOfficialRepoPrefix) + std::string(name)};
  }
  const std::string_view maybe_domain = name.substr(0, slash);
  const std::string_view maybe_remote = name.substr(slash + 1);
  std::string domain;
  std::string remote;
  if (maybe_domain == kLocalhost) {
    domain = maybe_domain;
    remote = maybe_remote;
  } else if (maybe_domain == kLegacyDefaultDomain) {
    domain = kDefaultDomain;
    remote = maybe_remote;
  } else if (maybe_domain.find_first_of(".:") != std::string_view::npos ||
             GoToLowerChanges(maybe_domain)) {
    domain = maybe_domain;
    remote = maybe_remote;
  } else {
    domain = kDefaultDomain;
    remote = name;
  }
  if (domain == kDefaultDomain && remote.find('/') == std::string::npos) {
    remote.insert(0, kOfficialRepoPrefix);
  }
  return {std::move(domain), std::move(remote)};
}

// familiarizeName: strip "docker.io" and, for "library/<x>" with a single
// element after it, "library/".
std::pair<std::string_view, std::string_view> FamiliarParts(const Reference& r) {
  std::string_view domain = r.Domain();
  std::string_view path = r.Path();
  if (domain == kDefaultDomain) {
    domain = {};
    if (path.substr(0, kOfficialRepoPrefix.size()) == kOfficialRepoPrefix &&
        path.find('/', kOfficialRepoPrefix.size()) == std::string_view::npos) {
      path.remove_prefix(kOfficialRepoPrefix.size());
    }
  }
  return {domain, path};
}

std::string JoinName(std::string_view domain, std::string_view path) {
  std::string out;
  out.reserve(domain.size() + 1 + path.size());
  if (!domain.empty()) {
    out.append(domain);
    out.push_back('/');
  }
  out.append(path);
  return out;
}

std::string AppendTagDigest(std::string name, const Reference& r) {
  if (r.HasTag()) {
    name.push_back(':');
    name.append(r.Tag());
  }
  if (r.HasDigest()) {
    name.push_back('@');
    name.append(r.Digest());
  }
  return name;
}

}  // namespace

std::string Reference::Name() const { return JoinName(domain_, path_); }

std::string Reference::String() const { return AppendTagDigest(Name(), *this); }

std::string Reference::FamiliarName() const {
  const auto [domain, path] = FamiliarParts(*this);
  return JoinName(domain, path);
}

std::string Reference::FamiliarString() const {
  return AppendTagDigest(FamiliarName(), *this);
}

absl::StatusOr<Reference> ParseNormalizedNamed(std::string_view s) {
  if (IsIdentifier(s)) {
    return Invalid("invalid repository name (" + EchoInput(s) +
                   "), cannot specify 64-byte hexadecimal strings");
  }
  auto [domain, remainder] = SplitDockerDomain(s);
  const std::string_view remote = std::string_view(remainder).substr(0, remainder.find(':'));
  if (GoToLowerChanges(remote)) {
    return Invalid("invalid reference format: repository name (" + std::string(remote) +
                   ") must be lowercase");
  }
  domain.push_back('/');
  domain.append(remainder);
  return ParseNamedReference(domain);
}

absl::StatusOr<Reference> ParseCanonical(std::string_view s) {
  absl::StatusOr<Reference> ref = ParseNormalizedNamed(s);
  if (!ref.ok()) return ref.status();
  if (ref->String() != s) return Invalid(kErrNameNotCanonical);
  return ref;
}

Reference TagNameOnly(const Reference& ref) {
  if (!ref.IsNameOnly()) return ref;
  return Factory::Make(ref.Domain(), ref.Path(), std::string(kDefaultTag), std::string());
}

absl::StatusOr<Reference> WithTag(const Reference& ref, std::string_view tag) {
  if (!MatchTag(tag)) return Invalid(kErrTagInvalidFormat);
  return Factory::Make(ref.Domain(), ref.Path(), std::string(tag), ref.Digest());
}

absl::StatusOr<Reference> WithDigest(const Reference& ref, std::string_view digest) {
  if (!MatchDigestPattern(digest)) return Invalid(kErrDigestInvalidFormat);
  if (absl::Status st = ValidateGoDigest(digest); !st.ok()) return st;
  return Factory::Make(ref.Domain(), ref.Path(), ref.Tag(), std::string(digest));
}

Reference TrimNamed(const Reference& ref) {
  return Factory::Make(ref.Domain(), ref.Path(), std::string(), std::string());
}

std::string FamiliarizeStoredName(std::string_view stored) {
  absl::StatusOr<Reference> ref = ParseCanonical(stored);
  if (!ref.ok()) return std::string(stored);
  return ref->FamiliarString();
}

absl::StatusOr<bool> FamiliarMatch(std::string_view pattern, const Reference& ref) {
  absl::StatusOr<bool> matched = PathMatch(pattern, ref.FamiliarString());
  if (!matched.ok() || *matched) return matched;
  return PathMatch(pattern, ref.FamiliarName());
}

}  // namespace reclaim
