// File: registry/platforms.h
//
// Platform specifiers and matching as containerd's `platforms` package does
// them (specs/registry.md A2.7), to pick one manifest out of an index.
//
//   RECLAIM_ASSIGN_OR_RETURN(Platform p, ParsePlatform("linux/arm64/v8"));
//   PlatformMatcher m = PlatformMatcher::Only(p);     // or Only(DefaultPlatform())
//   RECLAIM_ASSIGN_OR_RETURN(Descriptor d, SelectManifest(index, m));
//
// Normalisation is core/descriptor.h's NormalizePlatform (containerd's
// platforms.Normalize), here and everywhere else.
//
// ParsePlatform is containerd's platforms.Parse: components must match
// `^[A-Za-z0-9_-]+$`; one component is an OS (architecture from the default
// platform) or else a known architecture (OS linux); two are os/arch; three
// os/arch/variant (arm64 keeps an explicit `v8`). `arm/v7` prints without its
// variant. Errors are InvalidArgument with containerd's texts.
//
// PlatformMatcher::Only(p) accepts p and what p's machines also run, best
// first: amd64 (variant vN) -> amd64/vN-1..v1, then 386; arm/vN -> arm/vN-1..v5;
// arm64 -> arm/v8 (or its variant) down to arm/v5. Matching compares the
// normalised OS, architecture and variant exactly.
//
// Thread-safety: value types and pure functions.
#ifndef RECLAIM_REGISTRY_PLATFORMS_H_
#define RECLAIM_REGISTRY_PLATFORMS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/descriptor.h"

namespace reclaim {

// linux/amd64: what reclaim pulls when the caller names no platform.
Platform DefaultPlatform();

// `os/arch[/variant]`.
std::string FormatPlatform(const Platform& p);

[[nodiscard]] absl::StatusOr<Platform> ParsePlatform(std::string_view specifier);

class PlatformMatcher {
 public:
  static PlatformMatcher Only(const Platform& p);

  bool Match(const Platform& p) const;
  // True when `a` is preferred to `b` (both should match; a non-matching
  // platform sorts last).
  bool Less(const Platform& a, const Platform& b) const;
  // The accepted platforms, best first.
  const std::vector<Platform>& accepted() const { return accepted_; }

 private:
  // Index of the first accepted platform `p` matches, or accepted_.size().
  size_t Rank(const Platform& p) const;
  std::vector<Platform> accepted_;
};

// containerd's images.Manifest choice among an index's entries: entries with a
// platform the matcher accepts (or no platform at all), best first (stable;
// entries without a platform last). Returns the first. NotFound
// "no match for platform in manifest: not found" when none qualifies.
[[nodiscard]] absl::StatusOr<Descriptor> SelectManifest(const Index& index,
                                                        const PlatformMatcher& matcher);

}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_PLATFORMS_H_
