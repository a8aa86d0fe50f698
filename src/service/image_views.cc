#include "service/image_views.h"

#include <set>

#include "core/reference.h"
#include "imageio/names.h"

namespace reclaim::image_views {

bool IsDangling(const ImageRecord& r) { return IsDanglingImage(r); }

int SelectConfig(const TargetWalk& walk) {
  const Platform host = HostPlatform();
  int first = -1;
  for (size_t i = 0; i < walk.configs.size(); ++i) {
    if (walk.configs[i].attestation) continue;
    if (first < 0) first = static_cast<int>(i);
    const Platform p = NormalizePlatform(walk.summaries[i]->platform);
    if (p.os == host.os && p.architecture == host.architecture) return static_cast<int>(i);
  }
  return first;
}

void RepoNames(const std::vector<const ImageRecord*>& records, std::vector<std::string>* tags,
               std::vector<std::string>* digests) {
  std::set<std::string> seen_digests;
  for (const ImageRecord* r : records) {
    if (IsDangling(*r)) continue;
    absl::StatusOr<Reference> ref = ParseCanonical(r->name);
    if (!ref.ok()) {
      tags->push_back(r->name);  // moby shows an unexpected name as it is
      continue;
    }
    if (ref->HasTag()) tags->push_back(TagNameOnly(*ref).FamiliarString());
    absl::StatusOr<Reference> digested = WithDigest(TrimNamed(*ref), r->target.digest.str());
    if (digested.ok() && seen_digests.insert(digested->FamiliarString()).second) {
      digests->push_back(digested->FamiliarString());
    }
  }
}

Sizes WalkSizes(const TargetWalk& walk, const Inventory& inv,
                const std::map<std::string, int>* users) {
  Sizes s;
  std::set<Digest> blobs;
  for (const Descriptor& d : walk.descriptors) {
    if (!blobs.insert(d.digest).second) continue;
    auto size = inv.content_sizes.find(d.digest);
    const int64_t bytes = size == inv.content_sizes.end() ? 0 : size->second;
    s.blobs += bytes;
    if (users != nullptr) {
      auto u = users->find(d.digest.str());
      if (u != users->end() && u->second > 1) s.shared += bytes;
    }
  }
  std::set<std::string> chains(walk.chain_ids.begin(), walk.chain_ids.end());
  for (const std::string& c : chains) {
    auto size = inv.snapshot_sizes.find(c);
    if (size == inv.snapshot_sizes.end()) continue;
    s.blobs += size->second;
    if (users != nullptr) {
      auto u = users->find("snapshot " + c);
      if (u != users->end() && u->second > 1) s.shared += size->second;
    }
  }
  return s;
}

}  // namespace reclaim::image_views
