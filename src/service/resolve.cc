#include "service/resolve.h"

#include <algorithm>
#include <set>
#include <utility>

#include "core/status.h"

namespace reclaim {
namespace {

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool IsDangling(const ImageRecord& r) {
  return r.name.size() == kDanglingPrefix.size() + r.target.digest.str().size() &&
         r.name.starts_with(kDanglingPrefix) && r.name.ends_with(r.target.digest.str());
}

std::vector<ImageRecord> SortedByName(std::vector<ImageRecord> images) {
  std::sort(images.begin(), images.end(),
            [](const ImageRecord& a, const ImageRecord& b) { return a.name < b.name; });
  return images;
}

std::vector<ImageRecord> WithTarget(const std::vector<ImageRecord>& sorted, std::string_view digest) {
  std::vector<ImageRecord> out;
  for (const ImageRecord& r : sorted) {
    if (r.target.digest.str() == digest) out.push_back(r);
  }
  return out;
}

const ImageRecord* Named(const std::vector<ImageRecord>& sorted, std::string_view name) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), name,
                             [](const ImageRecord& r, std::string_view n) { return r.name < n; });
  return it != sorted.end() && it->name == name ? &*it : nullptr;
}

// Records named `name` or whose target's hex starts with `id`.
std::vector<ImageRecord> NameOrIdPrefix(const std::vector<ImageRecord>& sorted,
                                        std::string_view name, std::string_view id) {
  std::vector<ImageRecord> out;
  for (const ImageRecord& r : sorted) {
    if (r.name == name || r.target.digest.hex().starts_with(id)) out.push_back(r);
  }
  return out;
}

absl::Status Ambiguous() { return absl::NotFoundError("ambiguous reference"); }

}  // namespace

absl::StatusOr<AnyReference> ParseAnyReference(std::string_view s) {
  AnyReference out;
  if (s.size() == 64 && IsLowerHex(s)) {
    out.digest = "sha256:" + std::string(s);
    return out;
  }
  if (absl::StatusOr<Digest> d = Digest::Parse(s); d.ok()) {
    out.digest = d->str();
    return out;
  }
  RECLAIM_ASSIGN_OR_RETURN(Reference named, ParseNormalizedNamed(s));
  out.digest = named.Digest();
  out.named = std::move(named);
  return out;
}

absl::Status NoSuchImage(std::string_view ref) {
  absl::StatusOr<AnyReference> parsed = ParseAnyReference(ref);
  std::string shown;
  if (!parsed.ok()) {
    shown = EchoInput(ref);
  } else if (parsed->digest_only()) {
    shown = parsed->digest;
  } else {
    shown = TagNameOnly(*parsed->named).FamiliarString();
  }
  return absl::NotFoundError("No such image: " + shown);
}

std::string CheckTruncatedId(std::string_view id) {
  if (id.starts_with("sha256:")) id.remove_prefix(7);
  if (id.size() < 4 || id.size() > 64 || !IsLowerHex(id)) return "";
  return std::string(id);
}

bool IsImageIdPrefix(const Digest& id, std::string_view prefix) {
  return id.str().starts_with(prefix) || id.hex().starts_with(prefix);
}

std::string FamiliarStoredName(std::string_view stored) { return FamiliarizeStoredName(stored); }

absl::StatusOr<ImageRecord> ResolveImage(const std::vector<ImageRecord>& images,
                                         std::string_view ref_or_id) {
  RECLAIM_ASSIGN_OR_RETURN(AnyReference parsed, ParseAnyReference(ref_or_id));
  const std::vector<ImageRecord> sorted = SortedByName(images);
  if (!parsed.digest.empty()) {
    std::vector<ImageRecord> matches = WithTarget(sorted, parsed.digest);
    if (matches.empty()) return NoSuchImage(ref_or_id);
    if (parsed.named.has_value()) {
      // busybox@sha256:… must not match asdf@sha256:….
      for (const ImageRecord& r : matches) {
        absl::StatusOr<Reference> n = ParseNormalizedNamed(r.name);
        if (n.ok() && n->Name() == parsed.named->Name()) return r;
      }
      return NoSuchImage(ref_or_id);
    }
    return matches.front();
  }
  const std::string name = TagNameOnly(*parsed.named).String();
  if (const ImageRecord* r = Named(sorted, name)) return *r;
  const std::string id = CheckTruncatedId(ref_or_id);
  if (id.empty()) return NoSuchImage(ref_or_id);
  std::vector<ImageRecord> matches = NameOrIdPrefix(sorted, name, id);
  if (matches.empty()) return NoSuchImage(ref_or_id);
  if (matches.size() > 1) {
    std::set<Digest> digests;
    for (const ImageRecord& r : matches) {
      if (r.name == name) return r;
      digests.insert(r.target.digest);
    }
    if (digests.size() > 1) return Ambiguous();
  }
  return matches.front();
}

absl::StatusOr<ResolvedReferences> ResolveAllReferences(const std::vector<ImageRecord>& images,
                                                        std::string_view ref_or_id) {
  RECLAIM_ASSIGN_OR_RETURN(AnyReference parsed, ParseAnyReference(ref_or_id));
  const std::vector<ImageRecord> sorted = SortedByName(images);
  ResolvedReferences out;
  std::string digest;
  if (const std::string id = CheckTruncatedId(ref_or_id); !id.empty()) {
    if (!parsed.digest.empty()) {
      // A record literally named by the digest, else the digest's records.
      if (const ImageRecord* r = Named(sorted, parsed.digest)) {
        out.image = *r;
        digest = r->target.digest.str();
      } else {
        digest = parsed.digest;
      }
    } else {
      const std::string name = TagNameOnly(*parsed.named).String();
      std::vector<ImageRecord> matches = NameOrIdPrefix(sorted, name, id);
      if (matches.empty()) return NoSuchImage(ref_or_id);
      for (const ImageRecord& r : matches) {
        if (r.name == name) out.image = r;
        if (!digest.empty() && r.target.digest.str() != digest) return Ambiguous();
        digest = r.target.digest.str();
      }
      if (!out.image.has_value() || matches.size() > 1) {
        out.all = std::move(matches);
        return out;
      }
    }
  } else {
    if (!parsed.named.has_value()) return absl::InvalidArgumentError("invalid name reference");
    digest = parsed.named->Digest();
    const std::string name = TagNameOnly(*parsed.named).String();
    if (const ImageRecord* r = Named(sorted, name)) {
      out.image = *r;
      digest = r->target.digest.str();
    } else if (digest.empty()) {
      return NoSuchImage(ref_or_id);
    }
  }
  out.all = WithTarget(sorted, digest);
  if (out.all.empty()) {
    if (!out.image.has_value()) return NoSuchImage(ref_or_id);
    out.all.push_back(*out.image);
  }
  return out;
}

std::vector<ImageRecord> GetSameReferences(const std::optional<Reference>& named_in,
                                           const std::vector<ImageRecord>& imgs) {
  std::optional<Reference> named = named_in;
  std::string tag;
  bool all_tags = false;
  if (named.has_value()) {
    if (named->HasTag()) {
      tag = named->Tag();
    } else if (named->HasDigest()) {
      all_tags = true;  // a digest was given: every tag matches
    }
  }
  std::vector<ImageRecord> same;
  std::vector<ImageRecord> digest_refs;
  bool keep_digest_refs = true;  // Go: digestRefs != nil
  for (const ImageRecord& ref : imgs) {
    if (!IsDangling(ref)) {
      absl::StatusOr<Reference> repo = ParseCanonical(ref.name);
      if (repo.ok()) {
        if (!named.has_value()) {
          named = *repo;
          if (repo->HasTag()) tag = repo->Tag();
        } else if (named->Name() != repo->Name()) {
          continue;
        } else if (!all_tags) {
          if (repo->HasTag()) {
            if (tag.empty()) {
              tag = repo->Tag();
            } else if (tag != repo->Tag()) {
              // Same repository, other tag: digest references stay.
              keep_digest_refs = false;
              digest_refs.clear();
              continue;
            }
          } else {
            if (keep_digest_refs) digest_refs.push_back(ref);
            continue;
          }
        }
      }
      // Names that do not parse are kept with the others, as moby does.
    }
    same.push_back(ref);
  }
  if (keep_digest_refs) same.insert(same.end(), digest_refs.begin(), digest_refs.end());
  return same;
}

}  // namespace reclaim
