// libFuzzer target for core/reference: feeds arbitrary bytes to both parsers
// and, when they succeed, checks the round-trip invariants. Any violation
// aborts with a message naming the invariant.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/reference.h"

namespace {

using reclaim::Reference;

void Check(bool ok, const char* invariant, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "reference invariant violated: %s\ninput (%zu bytes): ", invariant,
               input.size());
  for (unsigned char c : input) std::fprintf(stderr, "\\x%02x", c);
  std::fprintf(stderr, "\n");
  std::abort();
}

// Docker's familiar form does not always normalise back; these are the cases
// where distribution/reference itself loses information:
//  - a docker.io path whose first element looks like a host ("foo.bar/x",
//    "localhost/x") is read back as a domain;
//  - docker.io/library/<64 lowercase hex> familiarises to a bare 64-hex
//    string, which ParseNormalizedNamed rejects.
bool FamiliarFormIsAmbiguous(const Reference& r) {
  if (r.Domain() != "docker.io") return false;
  const std::string name = r.FamiliarName();
  const size_t slash = name.find('/');
  if (slash == std::string::npos) {
    if (name.size() != 64) return false;
    for (char c : name) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
  }
  const std::string_view first = std::string_view(name).substr(0, slash);
  return first == "localhost" || first.find('.') != std::string_view::npos;
}

void CheckReference(const Reference& r, std::string_view input) {
  // Structure.
  Check(!r.Path().empty(), "path is non-empty", input);
  Check(r.Path().size() <= 255, "path is at most 255 bytes", input);
  Check(r.Tag().size() <= 128, "tag is at most 128 bytes", input);
  std::string expect = r.Name();
  if (r.HasTag()) expect += ":" + r.Tag();
  if (r.HasDigest()) expect += "@" + r.Digest();
  Check(r.String() == expect, "String() == Name()[:tag][@digest]", input);
  Check(r.Name() == (r.Domain().empty() ? r.Path() : r.Domain() + "/" + r.Path()),
        "Name() == Domain()/Path()", input);

  // String() re-parses to the same value, both normalised and canonical.
  const std::string s = r.String();
  absl::StatusOr<Reference> again = reclaim::ParseNormalizedNamed(s);
  Check(again.ok(), "String() re-parses", input);
  Check(*again == r, "String() re-parses to the same value", input);
  absl::StatusOr<Reference> canonical = reclaim::ParseCanonical(s);
  Check(canonical.ok() && *canonical == r, "String() is canonical", input);
  Check(reclaim::FamiliarizeStoredName(s) == r.FamiliarString(),
        "FamiliarizeStoredName(String()) == FamiliarString()", input);

  // FamiliarString() normalises back to the same String().
  if (!FamiliarFormIsAmbiguous(r)) {
    absl::StatusOr<Reference> familiar = reclaim::ParseNormalizedNamed(r.FamiliarString());
    Check(familiar.ok(), "FamiliarString() parses", input);
    Check(familiar->String() == s, "FamiliarString() normalises back to String()", input);
  }

  // Derived references.
  const Reference tagged = reclaim::TagNameOnly(r);
  if (r.IsNameOnly()) {
    Check(tagged.String() == s + ":latest", "TagNameOnly adds :latest", input);
  } else {
    Check(tagged == r, "TagNameOnly keeps tagged/digested references", input);
  }
  const Reference trimmed = reclaim::TrimNamed(r);
  Check(trimmed.IsNameOnly() && trimmed.Name() == r.Name(), "TrimNamed keeps the name only",
        input);
  if (r.HasTag()) {
    absl::StatusOr<Reference> with_tag = reclaim::WithTag(trimmed, r.Tag());
    Check(with_tag.ok(), "WithTag accepts a parsed tag", input);
    if (r.HasDigest()) {
      absl::StatusOr<Reference> both = reclaim::WithDigest(*with_tag, r.Digest());
      Check(both.ok() && *both == r, "WithTag+WithDigest rebuild the reference", input);
    } else {
      Check(*with_tag == r, "WithTag rebuilds the reference", input);
    }
  } else if (r.HasDigest()) {
    absl::StatusOr<Reference> with_digest = reclaim::WithDigest(trimmed, r.Digest());
    Check(with_digest.ok() && *with_digest == r, "WithDigest rebuilds the reference", input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<Reference> normalized = reclaim::ParseNormalizedNamed(input);
  if (normalized.ok()) {
    CheckReference(*normalized, input);
  } else {
    Check(!normalized.status().message().empty(), "errors carry a message", input);
  }

  absl::StatusOr<Reference> canonical = reclaim::ParseCanonical(input);
  if (canonical.ok()) {
    Check(canonical->String() == input, "ParseCanonical result prints as its input", input);
    Check(normalized.ok() && *normalized == *canonical,
          "ParseCanonical agrees with ParseNormalizedNamed", input);
    CheckReference(*canonical, input);
  } else {
    Check(!(normalized.ok() && normalized->String() == input),
          "a canonical string is accepted by ParseCanonical", input);
  }

  const std::string familiar = reclaim::FamiliarizeStoredName(input);
  Check(familiar == (canonical.ok() ? canonical->FamiliarString() : std::string(input)),
        "FamiliarizeStoredName follows prune.md 3.2", input);
  return 0;
}
