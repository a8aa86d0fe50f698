#include "service/image_service.h"

#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "core/media_types.h"
#include "core/path_match.h"
#include "core/reference.h"
#include "core/status.h"
#include "imageio/names.h"
#include "service/prune/options.h"
#include "service/resolve.h"

namespace reclaim {
namespace {

constexpr int64_t kMaxConfigSize = 16 << 20;

bool IsDangling(const ImageRecord& r) { return IsDanglingImage(r); }

// The config an image shows: the host platform's (not an attestation), else
// the first non-attestation config; -1 when none is present.
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

// RepoTags and RepoDigests of the records of one target (sorted by name).
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

struct Sizes {
  int64_t blobs = 0;
  int64_t shared = 0;
};

// Unique bytes of a walk's present blobs and its chain IDs' snapshots; blobs or
// snapshots counted in `users` more than once are also added to `shared`.
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

absl::Status Conflict(std::string message) {
  return absl::FailedPreconditionError(std::move(message));
}

Labels WithoutNameLabels(Labels labels) {
  labels.erase(std::string(kAnnotationImageName));
  labels.erase(std::string(kAnnotationRefName));
  return labels;
}

std::optional<absl::Time> ParseGoTime(const nlohmann::json& v) {
  if (!v.is_string()) return std::nullopt;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, v.get<std::string>(), &t, &err)) return std::nullopt;
  return t;
}

std::string JsonString(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool EmptyJson(const nlohmann::json& v) {
  return v.is_null() || (v.is_string() && v.get<std::string>().empty()) ||
         ((v.is_array() || v.is_object()) && v.empty()) || (v.is_boolean() && !v.get<bool>());
}

// The configured one, in moby's ImageInspect key order (omitempty).
nlohmann::ordered_json InspectConfig(const nlohmann::json& config) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  if (!config.is_object()) return out;
  for (const char* key : {"User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes",
                          "WorkingDir", "Labels", "StopSignal", "ArgsEscaped", "Healthcheck",
                          "OnBuild", "Shell"}) {
    auto it = config.find(key);
    if (it == config.end() || EmptyJson(*it)) continue;
    out[key] = nlohmann::ordered_json::parse(it->dump());
  }
  return out;
}

}  // namespace

// The unfiltered inputs of a list, gathered once per store state: the
// inventory (no GC graph) and the walks of its targets, and, computed on first
// use, the unfiltered list itself.
struct ImageService::ListBase {
  std::optional<uint64_t> generation;  // nullopt: the store cannot tell; not cached
  Inventory inv;
  TargetWalks walks;
  mutable std::once_flag unfiltered_once;
  mutable absl::StatusOr<std::shared_ptr<const std::vector<ImageSummary>>> unfiltered =
      absl::UnknownError("not computed");
};

// The cache of the last ListBase and the build in flight (single-flight: the
// lists that find the same store generation wait for one build).
struct ImageService::ListCache {
  using Result = absl::StatusOr<std::shared_ptr<const ListBase>>;
  std::mutex mu;
  std::shared_ptr<const ListBase> base;  // guarded by mu
  uint64_t installed_seq = 0;            // guarded by mu: the flight `base` came from
  uint64_t next_seq = 0;                 // guarded by mu
  bool flying = false;                   // guarded by mu
  uint64_t flight_generation = 0;        // guarded by mu
  std::shared_future<Result> flight;     // guarded by mu
};

ImageService::ImageService(Store& store, ImageServiceOptions options)
    : store_(store),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : RealClock()),
      list_cache_(std::make_unique<ListCache>()) {
  PruneServiceOptions p;
  p.clock = &clock_;
  p.zone = options_.zone;
  p.snapshotter = options_.snapshotter;
  p.parallelism = options_.parallelism;
  p.records_mu = &records_mu_;
  p.cache = &cache_;
  prune_ = std::make_unique<PruneService>(store_, std::move(p));
}

absl::StatusOr<ImageRecord> ImageService::Resolve(std::string_view ref_or_id) {
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> images, store_.images().ListImages());
  return ResolveImage(images, ref_or_id);
}

// ---- list

ImageService::~ImageService() = default;

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

// ---- inspect and history

namespace {

struct ImageView {
  ImageRecord record;
  std::vector<ImageRecord> all;  // same target, sorted by name
  TargetWalk walk;
  std::map<Digest, int64_t> sizes;
  int config = -1;
  nlohmann::json config_json;
};

absl::StatusOr<ImageView> View(Store& store, BlobParseCache& cache, std::string_view ref_or_id) {
  ImageView v;
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> images, store.images().ListImages());
  RECLAIM_ASSIGN_OR_RETURN(v.record, ResolveImage(images, ref_or_id));
  for (const ImageRecord& r : images) {
    if (r.target.digest == v.record.target.digest) v.all.push_back(r);
  }
  std::sort(v.all.begin(), v.all.end(),
            [](const ImageRecord& a, const ImageRecord& b) { return a.name < b.name; });
  v.walk = WalkTarget(
      store, v.record.target,
      [&](const Digest& d) {
        absl::StatusOr<ContentInfo> info = store.content().Info(d);
        if (!info.ok()) return false;
        v.sizes[d] = info->size;
        return true;
      },
      &cache);
  RECLAIM_RETURN_IF_ERROR(v.walk.error);
  v.config = SelectConfig(v.walk);
  if (v.config < 0) {
    return absl::NotFoundError("image with reference " + ImageFamiliarName(v.record) +
                               " was found but does not provide the specified platform");
  }
  const Digest& config = v.walk.configs[v.config].digest;
  RECLAIM_ASSIGN_OR_RETURN(std::string bytes, store.content().ReadBlob(config, kMaxConfigSize));
  RECLAIM_ASSIGN_OR_RETURN(v.config_json, ParseJson(bytes));
  if (!v.config_json.is_object()) v.config_json = nlohmann::json::object();
  return v;
}

}  // namespace

absl::StatusOr<ImageInspect> ImageService::Inspect(std::string_view ref_or_id) {
  RECLAIM_ASSIGN_OR_RETURN(ImageView v, View(store_, cache_, ref_or_id));
  ImageInspect out;
  out.id = v.record.target.digest;
  out.descriptor = v.record.target;
  std::vector<const ImageRecord*> group;
  for (const ImageRecord& r : v.all) group.push_back(&r);
  RepoNames(group, &out.repo_tags, &out.repo_digests);
  for (const ImageRecord& r : v.all) {
    if (IsDangling(r)) continue;
    if (!out.last_tag_time.has_value() || r.updated_at > *out.last_tag_time) {
      out.last_tag_time = r.updated_at;
    }
  }
  const nlohmann::json& c = v.config_json;
  auto created = c.find("created");
  if (created != c.end()) out.created = ParseGoTime(*created);
  out.comment = JsonString(c, "comment");
  out.docker_version = JsonString(c, "docker_version");
  out.author = JsonString(c, "author");
  auto section = c.find("config");
  if (section != c.end()) out.config = InspectConfig(*section);
  const ConfigSummary& summary = *v.walk.summaries[v.config];
  out.architecture = summary.platform.architecture;
  out.variant = summary.platform.variant;
  out.os = summary.platform.os;
  out.os_version = summary.platform.os_version;
  auto rootfs = c.find("rootfs");
  if (rootfs != c.end() && rootfs->is_object()) {
    const std::string type = JsonString(*rootfs, "type");
    if (!type.empty()) out.rootfs_type = type;
  }
  out.rootfs_layers = summary.diff_ids;
  out.graph_driver = options_.snapshotter;
  std::set<Digest> seen;
  for (const Descriptor& d : v.walk.descriptors) {
    if (seen.insert(d.digest).second) out.size += v.sizes[d.digest];
  }
  RECLAIM_ASSIGN_OR_RETURN(std::vector<SnapshotUsage> snapshots,
                           store_.snapshots().ListSnapshots());
  std::set<std::string> chains(v.walk.chain_ids.begin(), v.walk.chain_ids.end());
  for (const SnapshotUsage& s : snapshots) {
    if ((options_.snapshotter.empty() || s.snapshotter == options_.snapshotter) &&
        chains.erase(s.key) > 0) {
      out.size += s.size;
    }
  }
  return out;
}

absl::StatusOr<std::vector<ImageHistoryItem>> ImageService::History(std::string_view ref_or_id) {
  RECLAIM_ASSIGN_OR_RETURN(ImageView v, View(store_, cache_, ref_or_id));
  // The manifest of the chosen config precedes it in the walk.
  const Digest& config = v.walk.configs[v.config].digest;
  std::vector<Descriptor> layers;
  for (size_t i = 1; i < v.walk.descriptors.size(); ++i) {
    if (v.walk.descriptors[i].digest == config && IsManifest(v.walk.descriptors[i - 1].media_type)) {
      absl::StatusOr<std::string> bytes =
          store_.content().ReadBlob(v.walk.descriptors[i - 1].digest, kMaxConfigSize);
      if (bytes.ok()) {
        absl::StatusOr<Manifest> m = ParseManifest(*bytes);
        if (m.ok()) layers = m->layers;
      }
      break;
    }
  }
  RECLAIM_ASSIGN_OR_RETURN(std::vector<SnapshotUsage> snapshots,
                           store_.snapshots().ListSnapshots());
  std::map<std::string, int64_t> snapshot_size;
  for (const SnapshotUsage& s : snapshots) {
    if (options_.snapshotter.empty() || s.snapshotter == options_.snapshotter) {
      snapshot_size[s.key] = s.size;
    }
  }
  const ConfigSummary& summary = *v.walk.summaries[v.config];

  std::vector<ImageHistoryItem> items;
  auto history = v.config_json.find("history");
  size_t layer = 0;
  if (history != v.config_json.end() && history->is_array()) {
    for (const nlohmann::json& h : *history) {
      if (!h.is_object()) continue;
      ImageHistoryItem item;
      item.id = "<missing>";
      auto created = h.find("created");
      if (created != h.end()) {
        if (std::optional<absl::Time> t = ParseGoTime(*created)) item.created = absl::ToUnixSeconds(*t);
      }
      item.created_by = JsonString(h, "created_by");
      item.comment = JsonString(h, "comment");
      auto empty = h.find("empty_layer");
      const bool empty_layer = empty != h.end() && empty->is_boolean() && empty->get<bool>();
      if (!empty_layer) {
        if (layer < summary.chain_ids.size() && snapshot_size.contains(summary.chain_ids[layer])) {
          item.size = snapshot_size[summary.chain_ids[layer]];
        } else if (layer < layers.size()) {
          item.size = layers[layer].size;
        }
        ++layer;
      }
      items.push_back(std::move(item));
    }
  }
  std::reverse(items.begin(), items.end());
  if (!items.empty()) {
    items.front().id = v.record.target.digest.str();
    std::vector<const ImageRecord*> group;
    for (const ImageRecord& r : v.all) group.push_back(&r);
    std::vector<std::string> digests;
    RepoNames(group, &items.front().tags, &digests);
  }
  return items;
}

// ---- tag and remove

absl::Status ImageService::EnsureDangling(const ImageRecord& from) {
  ImageRecord d;
  d.name = DanglingImageName(from.target.digest);
  d.target = from.target;
  d.labels = WithoutNameLabels(from.labels);
  absl::StatusOr<ImageRecord> created = store_.images().CreateImage(d);
  if (created.ok() || absl::IsAlreadyExists(created.status())) return absl::OkStatus();
  return Annotate(created.status(), "failed to create a dangling image for the replaced image " +
                                        from.name + " with digest " + from.target.digest.str());
}

absl::StatusOr<std::string> ImageService::Tag(std::string_view source, std::string_view repo,
                                              std::string_view tag) {
  if (repo.empty()) {
    return absl::InvalidArgumentError("repository name must have at least one component");
  }
  RECLAIM_ASSIGN_OR_RETURN(Reference ref, ParseNormalizedNamed(repo));
  if (ref.HasDigest()) return absl::InvalidArgumentError("cannot import digest reference");
  if (!tag.empty()) {
    RECLAIM_ASSIGN_OR_RETURN(ref, WithTag(ref, tag));
  } else {
    ref = TagNameOnly(ref);
  }
  if (ref.FamiliarName() == "sha256") {
    return absl::InvalidArgumentError(
        "refusing to create an ambiguous tag using digest algorithm as name");
  }
  const std::string name = ref.String();

  MutexLock lock(&records_mu_);
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> images, store_.images().ListImages());
  RECLAIM_ASSIGN_OR_RETURN(ImageRecord src, ResolveImage(images, source));
  ImageRecord fresh;
  fresh.name = name;
  fresh.target = src.target;
  auto existing = std::find_if(images.begin(), images.end(),
                               [&](const ImageRecord& r) { return r.name == name; });
  if (existing == images.end()) {
    RECLAIM_RETURN_IF_ERROR(store_.images().CreateImage(fresh).status());
  } else if (existing->target.digest != src.target.digest) {
    // The old target keeps a dangling record when this was its last name.
    const bool last = std::none_of(images.begin(), images.end(), [&](const ImageRecord& r) {
      return r.name != existing->name && r.target.digest == existing->target.digest;
    });
    if (last) RECLAIM_RETURN_IF_ERROR(EnsureDangling(*existing));
    absl::Status deleted = store_.images().DeleteImage(existing->name);
    if (!deleted.ok() && !absl::IsNotFound(deleted)) return deleted;
    RECLAIM_RETURN_IF_ERROR(store_.images().CreateImage(fresh).status());
  }
  // The source is no longer dangling.
  const std::string dangling = DanglingImageName(src.target.digest);
  if (name != dangling && std::any_of(images.begin(), images.end(),
                                      [&](const ImageRecord& r) { return r.name == dangling; })) {
    absl::Status s = store_.images().DeleteImage(dangling);
    if (!s.ok() && !absl::IsNotFound(s)) return s;
  }
  return name;
}

absl::Status ImageService::DeleteNames(const std::vector<ImageRecord>& records,
                                       std::vector<ReportItem>* items) {
  for (const ImageRecord& r : records) {
    absl::Status s = store_.images().DeleteImage(r.name);
    if (!s.ok() && !absl::IsNotFound(s)) return s;
    if (!IsDangling(r) && ParseNormalizedNamed(r.name).ok()) {
      items->push_back(ReportItem::Untagged(FamiliarizeStoredName(r.name)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ReportItem>> ImageService::DeleteAll(
    const Digest& id, const std::vector<ImageRecord>& all,
    const std::vector<ContainerRecord>& containers, bool check_stopped, bool check_references) {
  // Every container is "stopped": reclaim records containers, it does not run them.
  if (check_stopped) {
    for (const ContainerRecord& c : containers) {
      if (c.image_id == id) {
        return Conflict("conflict: unable to delete " + std::string(id.ShortHex()) +
                        " (must be forced) - image is being used by stopped container " +
                        c.id.substr(0, 12));
      }
    }
  }
  if (check_references && all.size() > 1) {
    return Conflict("conflict: unable to delete " + std::string(id.ShortHex()) +
                    " (must be forced) - image is referenced in multiple repositories");
  }
  std::vector<std::string> names;
  for (const ImageRecord& r : all) names.push_back(r.name);
  RECLAIM_ASSIGN_OR_RETURN(BatchDeleteResult batch,
                           store_.collector().DeleteImagesAndCollect(names));
  std::vector<ReportItem> items;
  for (size_t i = 0; i < all.size(); ++i) {
    const absl::Status& s = batch.deletions[i].status;
    if (!s.ok() && !absl::IsNotFound(s)) return s;
    if (!IsDangling(all[i]) && ParseNormalizedNamed(all[i].name).ok()) {
      items.push_back(ReportItem::Untagged(FamiliarizeStoredName(all[i].name)));
    }
  }
  items.push_back(ReportItem::Deleted(id.str()));
  return items;
}

absl::StatusOr<std::vector<ReportItem>> ImageService::Remove(std::string_view ref, bool force,
                                                             bool /*noprune*/) {
  if (ref.empty()) return absl::InvalidArgumentError("image name cannot be blank");
  MutexLock lock(&records_mu_);
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> images, store_.images().ListImages());
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContainerRecord> containers,
                           store_.containers().ListContainers());
  RECLAIM_ASSIGN_OR_RETURN(ResolvedReferences resolved, ResolveAllReferences(images, ref));
  const std::vector<ImageRecord>& all = resolved.all;
  bool check_stopped = !force;
  bool check_references = !force;

  if (!resolved.image.has_value()) {
    if (all.empty()) return NoSuchImage(ref);
    const Digest id = all.front().target.digest;
    std::optional<Reference> named;
    if (!IsImageIdPrefix(id, ref)) {
      if (absl::StatusOr<Reference> n = ParseNormalizedNamed(ref); n.ok()) named = *n;
    }
    std::vector<ImageRecord> same = GetSameReferences(named, all);
    if (same.empty() && named.has_value()) return NoSuchImage(ref);
    if (same.size() == all.size() && !force) check_references = false;
    if (named.has_value() && !same.empty() && same.size() != all.size()) {
      std::vector<ReportItem> items;
      RECLAIM_RETURN_IF_ERROR(DeleteNames(same, &items));
      return items;
    }
    return DeleteAll(id, all, containers, check_stopped, check_references);
  }

  const ImageRecord& image = *resolved.image;
  const Digest id = image.target.digest;
  const bool explicit_dangling = ref.starts_with(kDanglingPrefix) && IsDangling(image);
  if (IsImageIdPrefix(id, ref) || explicit_dangling) {
    return DeleteAll(id, all, containers, check_stopped, check_references);
  }
  RECLAIM_ASSIGN_OR_RETURN(Reference parsed, ParseNormalizedNamed(image.name));
  std::vector<ImageRecord> same = GetSameReferences(parsed, all);
  if (same.size() != all.size()) {
    std::vector<ReportItem> items;
    RECLAIM_RETURN_IF_ERROR(DeleteNames(same, &items));
    return items;
  }
  if (all.size() > 1 && !force) check_references = false;
  auto user = std::find_if(containers.begin(), containers.end(),
                           [&](const ContainerRecord& c) { return c.image_id == id; });
  if (user != containers.end()) {
    if (!force) {
      return Conflict("conflict: unable to remove repository reference \"" + std::string(ref) +
                      "\" (must force) - container " + user->id.substr(0, 12) +
                      " is using its referenced image " + std::string(id.ShortHex()));
    }
    // The name goes; the content stays for the container under a dangling record.
    if (all.size() == 1) RECLAIM_RETURN_IF_ERROR(EnsureDangling(image));
    absl::Status s = store_.images().DeleteImage(image.name);
    if (!s.ok() && !absl::IsNotFound(s)) return s;
    return std::vector<ReportItem>{ReportItem::Untagged(parsed.FamiliarString())};
  }
  return DeleteAll(id, all, containers, check_stopped, check_references);
}

// ---- load, import, save

absl::StatusOr<LoadResult> ImageService::Load(ByteSource& source, const LoadOptions& options) {
  ReaderMutexLock lock(&records_mu_);
  LoadOptions o = options;
  if (o.clock == nullptr) o.clock = &clock_;
  RECLAIM_ASSIGN_OR_RETURN(LoadResult result, LoadArchive(store_, source, o));
  bool listed = false;
  std::vector<ImageRecord> images;
  std::vector<ContainerRecord> containers;
  for (const LoadedImage& loaded : result.images) {
    if (!loaded.previous_target.has_value() ||
        loaded.previous_target->digest == loaded.target.digest) {
      continue;
    }
    if (!listed) {
      RECLAIM_ASSIGN_OR_RETURN(images, store_.images().ListImages());
      RECLAIM_ASSIGN_OR_RETURN(containers, store_.containers().ListContainers());
      listed = true;
    }
    const Digest& old = loaded.previous_target->digest;
    const bool named = std::any_of(images.begin(), images.end(),
                                   [&](const ImageRecord& r) { return r.target.digest == old; });
    const bool used = std::any_of(containers.begin(), containers.end(),
                                  [&](const ContainerRecord& c) { return c.image_id == old; });
    if (named || !used) continue;
    ImageRecord from;
    from.name = loaded.name;
    from.target = *loaded.previous_target;
    RECLAIM_RETURN_IF_ERROR(EnsureDangling(from));
    images.push_back(from);
    images.back().name = DanglingImageName(old);
  }
  return result;
}

absl::StatusOr<ImportResult> ImageService::Import(ByteSource& source, const ImportOptions& options) {
  ReaderMutexLock lock(&records_mu_);
  ImportOptions o = options;
  if (o.clock == nullptr) o.clock = &clock_;
  RECLAIM_ASSIGN_OR_RETURN(ImportResult result, ImportRootfs(store_, source, o));
  if (result.previous_target.has_value() && result.previous_target->digest != result.target.digest) {
    RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> images, store_.images().ListImages());
    const Digest& old = result.previous_target->digest;
    if (std::none_of(images.begin(), images.end(),
                     [&](const ImageRecord& r) { return r.target.digest == old; })) {
      ImageRecord from;
      from.name = result.name;
      from.target = *result.previous_target;
      RECLAIM_RETURN_IF_ERROR(EnsureDangling(from));
    }
  }
  return result;
}

absl::StatusOr<SaveResult> ImageService::Save(const std::vector<std::string>& names,
                                              ByteSink& sink, const SaveOptions& options) {
  ReaderMutexLock lock(&records_mu_);
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> images, store_.images().ListImages());
  std::vector<std::string> resolved;
  for (const std::string& n : names) {
    RECLAIM_ASSIGN_OR_RETURN(ImageRecord r, ResolveImage(images, n));
    // An ID or ID prefix is exported by digest, without a name (`docker save <id>`).
    if (r.name != n && IsImageIdPrefix(r.target.digest, n)) {
      resolved.push_back(r.target.digest.str());
    } else {
      resolved.push_back(n);
    }
  }
  return SaveImages(store_, resolved, sink, options);
}

}  // namespace reclaim
