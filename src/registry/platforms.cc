#include "registry/platforms.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "registry/str.h"

namespace reclaim {
namespace {

// Go's GOOS and GOARCH lists (containerd's isKnownOS / isKnownArch).
constexpr std::string_view kKnownOs[] = {
    "aix",   "android", "darwin", "dragonfly", "freebsd", "hurd",    "illumos", "ios", "js",
    "linux", "nacl",    "netbsd", "openbsd",   "plan9",   "solaris", "windows", "zos"};
constexpr std::string_view kKnownArch[] = {
    "386",     "amd64",   "amd64p32", "arm",    "armbe",  "arm64",    "arm64be",   "ppc64",
    "ppc64le", "loong64", "mips",     "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le",
    "ppc",     "riscv",   "riscv64",  "s390",   "s390x",  "sparc",    "sparc64",   "wasm"};

template <size_t N>
bool Contains(const std::string_view (&list)[N], std::string_view s) {
  return std::find(std::begin(list), std::end(list), s) != std::end(list);
}

// The specifier's components through core's NormalizePlatform (components
// are never empty here, so its "" -> linux default does not apply).
std::string NormalizeOs(std::string_view os) {
  Platform p;
  p.os = std::string(os);
  return NormalizePlatform(std::move(p)).os;
}

std::pair<std::string, std::string> NormalizeArch(std::string_view arch, std::string_view variant) {
  Platform p;
  p.architecture = std::string(arch);
  p.variant = std::string(variant);
  Platform n = NormalizePlatform(std::move(p));
  return {std::move(n.architecture), std::move(n.variant)};
}

bool ValidComponent(std::string_view part) {
  if (part.empty()) return false;
  for (char c : part) {
    if (!str::IsAlnum(c) && c != '_' && c != '-') return false;
  }
  return true;
}

// The N of a variant "vN", or -1.
int VariantLevel(std::string_view variant) {
  if (variant.size() < 2 || variant[0] != 'v') return -1;
  int n = 0;
  auto [ptr, ec] = std::from_chars(variant.data() + 1, variant.data() + variant.size(), n);
  if (ec != std::errc() || ptr != variant.data() + variant.size()) return -1;
  return n;
}

void AppendVector(const Platform& p, std::vector<Platform>* out) {
  out->push_back(p);
  auto with = [&p](std::string arch, std::string variant) {
    Platform q;
    q.os = p.os;
    q.os_version = p.os_version;
    q.os_features = p.os_features;
    q.architecture = std::move(arch);
    q.variant = std::move(variant);
    return q;
  };
  if (p.architecture == "amd64") {
    for (int n = VariantLevel(p.variant) - 1; n >= 1; --n) {
      out->push_back(with("amd64", n == 1 ? "" : str::Cat("v", n)));
    }
    out->push_back(with("386", ""));
  } else if (p.architecture == "arm") {
    for (int n = VariantLevel(p.variant) - 1; n >= 5; --n) {
      out->push_back(with("arm", str::Cat("v", n)));
    }
  } else if (p.architecture == "arm64") {
    AppendVector(with("arm", p.variant.empty() ? "v8" : p.variant), out);
  }
}

absl::Status InvalidSpecifier(std::string message) {
  return absl::InvalidArgumentError(std::move(message) + ": invalid argument");
}

}  // namespace

Platform DefaultPlatform() {
  Platform p;
  p.os = "linux";
  p.architecture = "amd64";
  return p;
}

std::string FormatPlatform(const Platform& p) {
  std::string out = str::Cat(p.os.empty() ? "unknown" : p.os, "/",
                             p.architecture.empty() ? "unknown" : p.architecture);
  if (!p.variant.empty()) str::CatTo(&out, "/", p.variant);
  return out;
}


absl::StatusOr<Platform> ParsePlatform(std::string_view specifier) {
  if (specifier.find('*') != std::string_view::npos) {
    return InvalidSpecifier(str::Cat("\"", specifier, "\": wildcards not yet supported"));
  }
  std::vector<std::string_view> parts = str::Split(specifier, "/");
  for (std::string_view part : parts) {
    if (!ValidComponent(part)) {
      return InvalidSpecifier(
          str::Cat("\"", part, "\" is an invalid component of \"", specifier,
                   "\": platform specifier component must match \"^[A-Za-z0-9_-]+$\""));
    }
  }
  Platform p;
  switch (parts.size()) {
    case 1: {
      p.os = NormalizeOs(parts[0]);
      if (Contains(kKnownOs, p.os)) {
        p.architecture = DefaultPlatform().architecture;
        return p;
      }
      p.os.clear();
      std::tie(p.architecture, p.variant) = NormalizeArch(parts[0], "");
      if (p.architecture == "arm" && p.variant == "v7") p.variant.clear();
      if (Contains(kKnownArch, p.architecture)) {
        p.os = DefaultPlatform().os;
        return p;
      }
      return InvalidSpecifier(
          str::Cat("\"", specifier, "\": unknown operating system or architecture"));
    }
    case 2:
      p.os = NormalizeOs(parts[0]);
      std::tie(p.architecture, p.variant) = NormalizeArch(parts[1], "");
      if (p.architecture == "arm" && p.variant == "v7") p.variant.clear();
      return p;
    case 3:
      p.os = NormalizeOs(parts[0]);
      std::tie(p.architecture, p.variant) = NormalizeArch(parts[1], parts[2]);
      if (p.architecture == "arm64" && p.variant.empty()) p.variant = "v8";
      return p;
    default:
      return InvalidSpecifier(str::Cat("\"", specifier, "\": cannot parse platform specifier"));
  }
}

PlatformMatcher PlatformMatcher::Only(const Platform& p) {
  PlatformMatcher m;
  AppendVector(NormalizePlatform(p), &m.accepted_);
  return m;
}

size_t PlatformMatcher::Rank(const Platform& p) const {
  const Platform n = NormalizePlatform(p);
  for (size_t i = 0; i < accepted_.size(); ++i) {
    const Platform& a = accepted_[i];
    if (a.os == n.os && a.architecture == n.architecture && a.variant == n.variant) return i;
  }
  return accepted_.size();
}

bool PlatformMatcher::Match(const Platform& p) const { return Rank(p) < accepted_.size(); }

bool PlatformMatcher::Less(const Platform& a, const Platform& b) const { return Rank(a) < Rank(b); }

absl::StatusOr<Descriptor> SelectManifest(const Index& index, const PlatformMatcher& matcher) {
  std::vector<const Descriptor*> picked;
  for (const Descriptor& d : index.manifests) {
    if (!d.platform.has_value() || matcher.Match(*d.platform)) picked.push_back(&d);
  }
  std::stable_sort(picked.begin(), picked.end(), [&](const Descriptor* a, const Descriptor* b) {
    if (!a->platform.has_value()) return false;
    if (!b->platform.has_value()) return true;
    return matcher.Less(*a->platform, *b->platform);
  });
  if (picked.empty()) {
    return absl::NotFoundError("no match for platform in manifest: not found");
  }
  return *picked.front();
}

}  // namespace reclaim
