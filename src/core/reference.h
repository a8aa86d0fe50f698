// File: core/reference.h
//
// An image reference as Docker spells it: `[domain/]path[:tag][@digest]`,
// e.g. `docker.io/library/busybox:latest@sha256:<hex>`. This reproduces the
// grammar, normalisation and error texts of github.com/distribution/reference
// v0.6.0 (the version moby vendors) together with the digest validation of
// github.com/opencontainers/go-digest v1.0.0 (see specs/prune.md §3.2, §4.2).
//
//   RECLAIM_ASSIGN_OR_RETURN(Reference r, ParseNormalizedNamed("busybox"));
//   r.String();                          // "docker.io/library/busybox"
//   TagNameOnly(r).String();             // "docker.io/library/busybox:latest"
//   r.FamiliarString();                  // "busybox"
//   FamiliarizeStoredName("docker.io/library/alpine:3");   // "alpine:3"
//
// Grammar (distribution/reference):
//   reference   := name [ ":" tag ] [ "@" digest ]
//   name        := [domain "/"] path
//   domain      := host [":" port];  host := domain-name | "[" IPv6 "]"
//   domain-name := component ("." component)*,  component := [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?
//   path        := path-component ("/" path-component)*
//   path-component := [a-z0-9]+ (separator [a-z0-9]+)*,  separator := "." | "_" | "__" | "-"+
//   tag         := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//   digest      := algorithm ":" [0-9a-fA-F]{32,}
//   algorithm   := [A-Za-z][A-Za-z0-9]* ([-_+.][A-Za-z][A-Za-z0-9]*)*
// The path is at most 255 bytes (v0.6.0 counts the path only, not the domain).
// A digest that matches the grammar is then validated as go-digest does:
// sha256, sha384 and sha512 (the algorithms available in dockerd) with exactly
// 64/96/128 lowercase hex digits; any other lowercase algorithm is "unsupported
// digest algorithm". So `reclaim::Digest` (sha256 only) is not used here, and
// Digest() is a plain string.
//
// Error texts (all InvalidArgument), exactly as Docker prints them:
//   "invalid reference format"
//   "invalid reference format: repository name (<remote>) must be lowercase"
//   "repository name must be lowercase"     (uppercase outside the remote name)
//   "repository name must not be more than 255 characters"
//   "invalid repository name (<s>), cannot specify 64-byte hexadecimal strings"
//   "repository name must be canonical"     (ParseCanonical only)
//   "invalid checksum digest format" / "invalid checksum digest length" /
//   "unsupported digest algorithm"           (go-digest)
//   "invalid tag format" (WithTag), "invalid digest format" (WithDigest)
// Lower-casing follows Go's strings.ToLower (Unicode simple case mapping;
// invalid UTF-8 counts as "not lowercase"), so non-ASCII input yields the same
// error text as Docker.
//
// The matcher is hand-written (linear time, no recursion, no std::regex).
//
// Thread-safety: Reference is an immutable value; all functions are pure and
// safe to call concurrently.
#ifndef RECLAIM_CORE_REFERENCE_H_
#define RECLAIM_CORE_REFERENCE_H_

#include <compare>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace reclaim {

namespace reference_internal {
struct Factory;
}  // namespace reference_internal

// A parsed, always-valid named reference. Obtain one from ParseNormalizedNamed
// or ParseCanonical; derive others with TagNameOnly, WithTag, WithDigest,
// TrimNamed.
class Reference {
 public:
  // The registry host, e.g. "docker.io", "localhost:5000", "[::1]:5000".
  // Empty only in the rare case Docker also leaves it empty: the first path
  // element looked like a domain to the normaliser (it contains '.' or ':' or
  // an uppercase letter) but is not a valid host, yet the whole is a valid path
  // (e.g. "a_b.c/d" has domain "" and path "a_b.c/d").
  const std::string& Domain() const { return domain_; }
  // The repository path, e.g. "library/busybox".
  const std::string& Path() const { return path_; }
  // Domain() + "/" + Path() (just Path() when the domain is empty).
  std::string Name() const;
  // The tag without ':', empty if none.
  const std::string& Tag() const { return tag_; }
  // The digest "algorithm:hex", empty if none.
  const std::string& Digest() const { return digest_; }

  bool HasTag() const { return !tag_.empty(); }
  bool HasDigest() const { return !digest_.empty(); }
  // Neither tag nor digest.
  bool IsNameOnly() const { return tag_.empty() && digest_.empty(); }

  // Name()[":" tag]["@" digest], e.g. "docker.io/library/a:1@sha256:...".
  std::string String() const;
  // Name with the "docker.io/" domain and, for single-element paths, the
  // "library/" namespace removed: "busybox", "user/app", "ghcr.io/o/r".
  std::string FamiliarName() const;
  // FamiliarName() with tag and digest: "a:1", "alpine:3@sha256:...".
  std::string FamiliarString() const;

  friend bool operator==(const Reference&, const Reference&) = default;
  // Orders by the fields (domain, path, tag, digest).
  friend std::strong_ordering operator<=>(const Reference&, const Reference&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const Reference& r) {
    return H::combine(std::move(h), r.domain_, r.path_, r.tag_, r.digest_);
  }
  friend std::ostream& operator<<(std::ostream& os, const Reference& r) {
    return os << r.String();
  }

 private:
  friend struct reference_internal::Factory;
  Reference(std::string domain, std::string path, std::string tag, std::string digest)
      : domain_(std::move(domain)),
        path_(std::move(path)),
        tag_(std::move(tag)),
        digest_(std::move(digest)) {}

  std::string domain_;
  std::string path_;
  std::string tag_;
  std::string digest_;
};

// Docker's reference.ParseNormalizedNamed: accepts the familiar form the user
// types and qualifies it: "busybox" -> "docker.io/library/busybox",
// "user/app:1" -> "docker.io/user/app:1", "index.docker.io/x" ->
// "docker.io/library/x"; "localhost:5000/x", "ghcr.io/o/r" stay. No default
// tag is added (see TagNameOnly).
[[nodiscard]] absl::StatusOr<Reference> ParseNormalizedNamed(std::string_view s);

// Docker's reference.ParseNamed: like ParseNormalizedNamed but the input must
// already be in canonical form (String() == s); otherwise
// "repository name must be canonical". Used for names kept in the image store.
[[nodiscard]] absl::StatusOr<Reference> ParseCanonical(std::string_view s);

// Adds the tag "latest" when `ref` has neither tag nor digest; else returns it.
Reference TagNameOnly(const Reference& ref);

// `ref` with its tag replaced by `tag` (digest kept). "invalid tag format" when
// `tag` does not match the tag grammar.
[[nodiscard]] absl::StatusOr<Reference> WithTag(const Reference& ref, std::string_view tag);

// `ref` with its digest replaced by `digest` (tag kept). "invalid digest format"
// when `digest` does not match the reference digest grammar; then the go-digest
// errors above. (Go's WithDigest skips the go-digest step; reclaim keeps it so
// that every Reference re-parses.)
[[nodiscard]] absl::StatusOr<Reference> WithDigest(const Reference& ref, std::string_view digest);

// `ref` without tag and digest.
Reference TrimNamed(const Reference& ref);

// prune.md §3.2 rules 2-3 (moby's imageFamiliarName for non-dangling images):
// the familiar form when `stored` parses with ParseCanonical, else `stored`
// unchanged. The `moby-dangling@` rule belongs to the image layer.
std::string FamiliarizeStoredName(std::string_view stored);

// distribution/reference.FamiliarMatch: whether the shell pattern `pattern`
// (Go's path.Match, core/path_match.h) matches ref.FamiliarString(), else
// ref.FamiliarName(): "busy*" matches docker.io/library/busybox:latest.
// InvalidArgument "syntax error in pattern" for a malformed pattern.
[[nodiscard]] absl::StatusOr<bool> FamiliarMatch(std::string_view pattern, const Reference& ref);

}  // namespace reclaim

#endif  // RECLAIM_CORE_REFERENCE_H_
