// ImageService::List and Usage: GET /images/json over a cache of the
// inventory kept per store state (image_service.h "List cache").
#include "service/image_service.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "core/media_types.h"
#include "core/reference.h"
#include "core/status.h"
#include "imageio/names.h"
#include "service/image_views.h"
#include "service/prune/options.h"
#include "service/resolve.h"
#include "core/path_match.h"

namespace reclaim {

using namespace image_views;  // NOLINT: what list and inspect share

// ---- list

absl::StatusOr<std::vector<ImageSummary>> ImageService::List(const ImageListOptions& options) {
  RECLAIM_ASSIGN_OR_RETURN(std::shared_ptr<const std::vector<ImageSummary>> list,
                           ListShared(options));
  return *list;
}

absl::StatusOr<std::shared_ptr<const std::vector<ImageSummary>>> ImageService::ListShared(
    const ImageListOptions& options) {
  if (options.filters.Len() == 0 && !options.shared_size) {
    RECLAIM_ASSIGN_OR_RETURN(std::shared_ptr<const ListBase> base, GetListBase());
    std::call_once(base->unfiltered_once, [&] {
      absl::StatusOr<std::vector<ImageSummary>> list =
          Summarize(*base, options, ListFilters{}, nullptr);
      if (list.ok()) {
        base->unfiltered = std::make_shared<const std::vector<ImageSummary>>(*std::move(list));
      } else {
        base->unfiltered = list.status();
      }
    });
    return base->unfiltered;
  }
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageSummary> list, Summarize(options, nullptr));
  return std::make_shared<const std::vector<ImageSummary>>(std::move(list));
}

absl::StatusOr<ImageService::DiskUsage> ImageService::Usage() {
  ImageListOptions o;
  o.shared_size = true;
  DiskUsage usage;
  RECLAIM_ASSIGN_OR_RETURN(usage.images, Summarize(o, &usage.layers_size));
  return usage;
}

absl::StatusOr<std::shared_ptr<ImageService::ListBase>> ImageService::BuildListBase(
    std::optional<uint64_t> generation) {
  auto base = std::make_shared<ListBase>();
  base->generation = generation;
  InventoryOptions io;
  io.parallelism = options_.parallelism;
  io.snapshotter = options_.snapshotter;
  io.cache = &cache_;
  io.gc_graph = false;
  RECLAIM_ASSIGN_OR_RETURN(base->inv, GatherInventory(store_, io, &base->walks));
  return base;
}

absl::StatusOr<std::shared_ptr<const ImageService::ListBase>> ImageService::GetListBase() {
  // Read before the store is: a write after this moves the generation, and the
  // next list rebuilds.
  absl::StatusOr<uint64_t> generation = store_.StateGeneration();
  if (!generation.ok()) {
    RECLAIM_ASSIGN_OR_RETURN(std::shared_ptr<ListBase> base, BuildListBase(std::nullopt));
    return std::shared_ptr<const ListBase>(std::move(base));
  }
  ListCache& c = *list_cache_;
  std::promise<ListCache::Result> promise;
  uint64_t seq = 0;
  {
    std::unique_lock<std::mutex> lock(c.mu);
    if (c.base != nullptr && c.base->generation == *generation) return c.base;
    if (c.flying && c.flight_generation == *generation) {
      std::shared_future<ListCache::Result> flight = c.flight;
      lock.unlock();
      return flight.get();
    }
    // No build of this generation yet (one of an older generation may still
    // run; its waiters keep their own future).
    seq = ++c.next_seq;
    c.flying = true;
    c.flight_generation = *generation;
    c.flight = promise.get_future().share();
  }
  absl::StatusOr<std::shared_ptr<ListBase>> built = BuildListBase(*generation);
  ListCache::Result result =
      built.ok() ? ListCache::Result(std::shared_ptr<const ListBase>(*std::move(built)))
                 : ListCache::Result(built.status());
  {
    std::unique_lock<std::mutex> lock(c.mu);
    if (result.ok() && seq > c.installed_seq) {
      c.base = *result;
      c.installed_seq = seq;
    }
    if (c.flying && seq == c.next_seq) c.flying = false;
  }
  promise.set_value(result);
  return result;
}

absl::StatusOr<ImageService::ListFilters> ImageService::ParseListFilters(
    const FilterArgs& filters) const {
  RECLAIM_RETURN_IF_ERROR(
      filters.Validate({"dangling", "label", "label!", "before", "since", "reference", "until"}));
  // `label`, `label!` and `until` mean what they mean for prune (one parser).
  // `until` is relative to now: filters are applied to the cached base on
  // every list, never cached themselves.
  FilterArgs shared;
  for (const char* key : {"label", "label!", "until"}) {
    for (const std::string& v : filters.Get(key)) shared.Add(key, v);
  }
  ListFilters out;
  RECLAIM_ASSIGN_OR_RETURN(out.parsed, ParsePruneOptions(shared, clock_.Now(), zone()));
  if (filters.Contains("dangling")) {
    FilterArgs::BoolResult b = filters.GetBoolOrDefault("dangling", false);
    RECLAIM_RETURN_IF_ERROR(b.status);
    out.dangling = b.value;
  }
  return out;
}

absl::StatusOr<std::vector<ImageSummary>> ImageService::Summarize(const ImageListOptions& options,
                                                                  int64_t* layers_size) {
  // Parsed before the store is read (a bad filter fails without a gather).
  RECLAIM_ASSIGN_OR_RETURN(const ListFilters parsed, ParseListFilters(options.filters));
  RECLAIM_ASSIGN_OR_RETURN(std::shared_ptr<const ListBase> base, GetListBase());
  return Summarize(*base, options, parsed, layers_size);
}

absl::StatusOr<std::vector<ImageSummary>> ImageService::Summarize(const ListBase& base,
                                                                  const ImageListOptions& options,
                                                                  const ListFilters& list_filters,
                                                                  int64_t* layers_size) {
  const FilterArgs& filters = options.filters;
  const PruneOptions& parsed = list_filters.parsed;
  const std::optional<bool>& dangling = list_filters.dangling;

  const Inventory& inv = base.inv;
  const TargetWalks& walks = base.walks;
  std::vector<absl::Time> before, since;
  if (filters.Contains("before") || filters.Contains("since")) {
    std::vector<ImageRecord> records;
    records.reserve(inv.images.size());
    for (const ImageInventory& i : inv.images) records.push_back(i.record);
    for (const std::string& v : filters.Get("before")) {
      RECLAIM_ASSIGN_OR_RETURN(ImageRecord r, ResolveImage(records, v));
      before.push_back(r.created_at);
    }
    for (const std::string& v : filters.Get("since")) {
      RECLAIM_ASSIGN_OR_RETURN(ImageRecord r, ResolveImage(records, v));
      since.push_back(r.created_at);
    }
  }
  const std::vector<std::string> patterns = filters.Get("reference");
  for (const std::string& p : patterns) {
    // A bad pattern fails the list, as in moby.
    RECLAIM_RETURN_IF_ERROR(PathMatch(p, "").status());
  }

  auto passes = [&](const ImageInventory& img) -> absl::StatusOr<bool> {
    const ImageRecord& r = img.record;
    for (absl::Time t : parsed.until) {
      if (!(r.created_at < t)) return false;
    }
    for (absl::Time t : before) {
      if (!(r.created_at < t)) return false;
    }
    for (absl::Time t : since) {
      if (!(r.created_at > t)) return false;
    }
    if (dangling.has_value() && *dangling != IsDangling(r)) return false;
    if (!parsed.label_checks.empty()) {
      bool any = false;
      if (img.walk_error.ok()) {
        for (const ConfigLabels& c : img.configs()) {
          if (!c.attestation && ConfigMatchesLabels(c.labels, parsed.label_checks)) any = true;
        }
      }
      if (!any) return false;
    }
    if (!patterns.empty()) {
      if (IsDangling(r)) return false;
      absl::StatusOr<Reference> ref = ParseCanonical(r.name);
      if (!ref.ok()) return false;
      bool any = false;
      for (const std::string& p : patterns) {
        RECLAIM_ASSIGN_OR_RETURN(bool m, FamiliarMatch(p, *ref));
        any |= m;
      }
      if (!any) return false;
    }
    return true;
  };

  std::map<Digest, std::vector<const ImageRecord*>> groups;
  for (const ImageInventory& img : inv.images) {
    RECLAIM_ASSIGN_OR_RETURN(bool ok, passes(img));
    if (ok) groups[img.record.target.digest].push_back(&img.record);
  }
  std::map<Digest, int64_t> containers;
  for (const ContainerRecord& c : inv.containers) ++containers[c.image_id];

  std::map<std::string, int> users;  // blob digest or "snapshot <chain>" -> listed images using it
  if (options.shared_size || layers_size != nullptr) {
    for (const auto& [digest, group] : groups) {
      const TargetWalk& walk = *walks.at(digest);
      std::set<std::string> mine;
      for (const Descriptor& d : walk.descriptors) mine.insert(d.digest.str());
      for (const std::string& c : walk.chain_ids) mine.insert("snapshot " + c);
      for (const std::string& k : mine) ++users[k];
    }
  }
  if (layers_size != nullptr) {
    *layers_size = 0;
    for (const auto& [key, n] : users) {
      if (key.starts_with("snapshot ")) {
        auto s = inv.snapshot_sizes.find(key.substr(9));
        if (s != inv.snapshot_sizes.end()) *layers_size += s->second;
      } else if (auto d = Digest::Parse(key); d.ok()) {
        auto s = inv.content_sizes.find(*d);
        if (s != inv.content_sizes.end()) *layers_size += s->second;
      }
    }
  }

  std::vector<ImageSummary> out;
  out.reserve(groups.size());
  for (const auto& [digest, group] : groups) {
    const TargetWalk& walk = *walks.at(digest);
    ImageSummary s;
    s.id = digest;
    s.target = group.front()->target;
    RepoNames(group, &s.repo_tags, &s.repo_digests);
    absl::Time earliest = absl::InfiniteFuture();
    for (const ImageRecord* r : group) earliest = std::min(earliest, r->created_at);
    s.created = earliest;
    const int chosen = SelectConfig(walk);
    if (chosen >= 0) {
      const ConfigSummary& config = *walk.summaries[chosen];
      if (config.created.has_value()) s.created = *config.created;
      if (!config.labels.empty()) s.labels = config.labels;
    }
    const Sizes sizes = WalkSizes(walk, inv, options.shared_size ? &users : nullptr);
    s.size = sizes.blobs;
    if (options.shared_size) s.shared_size = sizes.shared;
    auto c = containers.find(digest);
    s.containers = c == containers.end() ? 0 : c->second;
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const ImageSummary& a, const ImageSummary& b) {
    if (a.created != b.created) return a.created > b.created;
    return a.id < b.id;
  });
  return out;
}


}  // namespace reclaim
