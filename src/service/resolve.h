// File: service/resolve.h
//
// How Docker (moby's containerd image service) turns what a user typed into
// image records: full or short IDs with or without `sha256:`, names (`alpine`
// meaning `docker.io/library/alpine:latest`), `name@sha256:…`, fully qualified
// names. Pure functions over a listing of every image record, so that the
// services and their tests agree on one implementation.
//
//   ParseAnyReference   distribution/reference.ParseAnyReference: 64 hex ->
//                       `sha256:<hex>`; a valid digest -> that digest; else
//                       ParseNormalizedNamed (errors InvalidArgument).
//   ResolveImage        moby's resolveImage: a digest matches records whose
//                       target is it (with a name, only that repository); a name
//                       is looked up with `:latest` added; failing that, a
//                       4-64 hex string (optionally `sha256:`) matches a record
//                       whose name is the string or whose target starts with
//                       it; two targets -> NotFound `ambiguous reference`.
//   ResolveAllReferences  moby's resolveAllReferences: the matched record (if
//                       any) and every record with the same target.
//   GetSameReferences   moby's getSameReferences: which of those records the
//                       user meant (same repository and tag, or digest refs).
//   NoSuchImage         NotFound `No such image: <familiar ref, :latest added>`.
//
// Thread-safety: pure functions.
#ifndef RECLAIM_SERVICE_RESOLVE_H_
#define RECLAIM_SERVICE_RESOLVE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/digest.h"
#include "core/reference.h"
#include "store/store.h"

namespace reclaim {

// A parsed reference that is either a bare digest or a name.
struct AnyReference {
  std::optional<Reference> named;  // set for names (with optional tag and digest)
  std::string digest;              // `sha256:<hex>` for a bare digest; else named's digest

  bool digest_only() const { return !named.has_value(); }
};

[[nodiscard]] absl::StatusOr<AnyReference> ParseAnyReference(std::string_view s);

// NotFound `No such image: <x>` where x is the familiar form of `ref` with
// `:latest` added to a bare name, the digest for a bare digest, and `ref` as
// given when it does not parse.
absl::Status NoSuchImage(std::string_view ref);

// moby's checkTruncatedID: the id without `sha256:` when it matches
// ^(sha256:)?[a-f0-9]{4,64}$, else "".
std::string CheckTruncatedId(std::string_view id);

// moby's isImageIDPrefix: `prefix` is a prefix of `id.str()` or of its hex.
bool IsImageIdPrefix(const Digest& id, std::string_view prefix);

// `images` in any order. NotFound (NoSuchImage or `ambiguous reference`),
// InvalidArgument for a reference that does not parse.
[[nodiscard]] absl::StatusOr<ImageRecord> ResolveImage(const std::vector<ImageRecord>& images,
                                                       std::string_view ref_or_id);

struct ResolvedReferences {
  std::optional<ImageRecord> image;  // the record the reference named, if one did
  std::vector<ImageRecord> all;      // every record with the same target, sorted by name
};
[[nodiscard]] absl::StatusOr<ResolvedReferences> ResolveAllReferences(
    const std::vector<ImageRecord>& images, std::string_view ref_or_id);

// `imgs` all have the same target. `named` as typed (no default tag), or null.
std::vector<ImageRecord> GetSameReferences(const std::optional<Reference>& named,
                                           const std::vector<ImageRecord>& imgs);

// The `Untagged` / RepoTags form of a stored name (FamiliarizeStoredName).
std::string FamiliarStoredName(std::string_view stored);

}  // namespace reclaim

#endif  // RECLAIM_SERVICE_RESOLVE_H_
