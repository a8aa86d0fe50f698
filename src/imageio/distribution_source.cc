#include "imageio/distribution_source.h"

#include "absl/status/statusor.h"
#include "core/status.h"

namespace reclaim {

std::string RegistryHostname(std::string_view domain) {
  if (!domain.empty() && domain.front() == '[') {
    const size_t end = domain.find(']');
    return std::string(domain.substr(1, end == std::string_view::npos ? end : end - 1));
  }
  const size_t colon = domain.rfind(':');
  return std::string(colon == std::string_view::npos ? domain : domain.substr(0, colon));
}

std::string DistributionSourceLabel(std::string_view domain) {
  return std::string(kDistributionSourcePrefix) + RegistryHostname(domain);
}

std::string AppendRepository(std::string_view existing, std::string_view repo) {
  std::string_view rest = existing;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    if (rest.substr(0, comma) == repo) return std::string(existing);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (existing.empty()) return std::string(repo);
  return std::string(existing) + "," + std::string(repo);
}

absl::Status AppendDistributionSource(ContentStore& content, const Digest& digest,
                                      const Reference& repo) {
  RECLAIM_ASSIGN_OR_RETURN(ContentInfo info, content.Info(digest));
  const std::string key = DistributionSourceLabel(repo.Domain());
  auto it = info.labels.find(key);
  const std::string old = it == info.labels.end() ? "" : it->second;
  const std::string value = AppendRepository(old, repo.Path());
  if (value == old) return absl::OkStatus();
  return content.UpdateContentLabels(digest, {{key, value}}).status();
}

std::vector<Reference> DistributionSources(const Labels& labels) {
  std::vector<Reference> sources;
  for (auto it = labels.lower_bound(std::string(kDistributionSourcePrefix));
       it != labels.end() && it->first.compare(0, kDistributionSourcePrefix.size(),
                                               kDistributionSourcePrefix) == 0;
       ++it) {
    const std::string host = it->first.substr(kDistributionSourcePrefix.size());
    std::string_view rest = it->second;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      absl::StatusOr<Reference> ref =
          ParseNormalizedNamed(host + "/" + std::string(rest.substr(0, comma)));
      if (ref.ok() && ref->IsNameOnly()) sources.push_back(*std::move(ref));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return sources;
}

}  // namespace reclaim
