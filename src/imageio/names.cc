#include "imageio/names.h"

#include "core/reference.h"
#include "core/status.h"
#include "store/store.h"

namespace reclaim {
std::string DanglingImageName(const Digest& digest) {
  return std::string(kDanglingPrefix) + digest.str();
}

bool IsDanglingName(std::string_view name, const Digest& target) {
  return name.size() == kDanglingPrefix.size() + target.str().size() &&
         name.starts_with(kDanglingPrefix) && name.substr(kDanglingPrefix.size()) == target.str();
}

absl::StatusOr<std::string> NormalizeDockerRef(std::string_view ref) {
  RECLAIM_ASSIGN_OR_RETURN(Reference named, ParseNormalizedNamed(ref));
  if (named.HasTag() && named.HasDigest()) {
    RECLAIM_ASSIGN_OR_RETURN(Reference digested, WithDigest(TrimNamed(named), named.Digest()));
    return digested.String();
  }
  return TagNameOnly(named).String();
}

std::string OciReferenceName(std::string_view normalized) {
  absl::StatusOr<Reference> r = ParseNormalizedNamed(normalized);
  if (!r.ok()) return "";
  if (r->HasDigest()) return "@" + r->Digest();
  return r->Tag();
}

std::string ImageNameFromAnnotations(const std::map<std::string, std::string>& annotations) {
  auto it = annotations.find(std::string(kAnnotationImageName));
  if (it != annotations.end() && !it->second.empty()) return it->second;
  it = annotations.find(std::string(kAnnotationRefName));
  if (it != annotations.end()) return it->second;
  return "";
}

absl::StatusOr<std::string> FamiliarTaggedName(std::string_view name) {
  absl::StatusOr<Reference> r = ParseNormalizedNamed(name);
  if (!r.ok()) {
    return absl::InvalidArgumentError("failed to parse \"" + std::string(name) +
                                      "\": " + std::string(r.status().message()));
  }
  return TagNameOnly(*r).FamiliarString();
}


Platform HostPlatform() {
  Platform p;
  p.os = "linux";
#if defined(__aarch64__)
  p.architecture = "arm64";
#else
  p.architecture = "amd64";
#endif
  return p;
}

}  // namespace reclaim
