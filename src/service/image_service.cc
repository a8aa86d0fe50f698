// ImageService: construction, resolving, tag and remove, and the imageio
// pass-throughs (load, import, save). The list is in image_list.cc, inspect
// and history in image_inspect.cc.
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

namespace reclaim {

using namespace image_views;  // NOLINT: what list and inspect share

namespace {

absl::Status Conflict(std::string message) {
  return absl::FailedPreconditionError(std::move(message));
}

Labels WithoutNameLabels(Labels labels) {
  labels.erase(std::string(kAnnotationImageName));
  labels.erase(std::string(kAnnotationRefName));
  return labels;
}

// A byte count for OperationRecord (the results keep int64_t).
uint64_t NonNegative(int64_t n) { return n < 0 ? 0 : static_cast<uint64_t>(n); }

}  // namespace

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
  p.host = options_.host;
  p.events = options_.events;
  prune_ = std::make_unique<PruneService>(store_, std::move(p));
}

ImageService::~ImageService() = default;

absl::StatusOr<ImageRecord> ImageService::Resolve(std::string_view ref_or_id) {
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> images, store_.images().ListImages());
  return ResolveImage(images, ref_or_id);
}

// ---- events

Labels ImageService::EventLabels(const Descriptor& target) {
  TargetWalk walk = WalkTarget(
      store_, target, [&](const Digest& d) { return store_.content().Info(d).ok(); }, &cache_);
  if (!walk.error.ok()) return {};
  const int config = SelectConfig(walk);
  if (config < 0 || static_cast<size_t>(config) >= walk.summaries.size()) return {};
  return walk.summaries[config]->labels;
}

Labels ImageService::EventLabels(const Digest& id) {
  absl::StatusOr<std::vector<ImageRecord>> images = store_.images().ListImages();
  if (images.ok()) {
    for (const ImageRecord& r : *images) {
      if (r.target.digest == id) return EventLabels(r.target);
    }
  }
  return {};  // gone (a delete): moby's event then carries no labels either
}

void ImageService::PublishImageEvent(std::string_view action, const Descriptor& target,
                                     std::string actor_id, std::string name) {
  if (options_.events == nullptr) return;
  const Labels labels = EventLabels(target);
  options_.events->Publish(ImageEvent(action, std::move(actor_id), std::move(name), &labels));
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
  PublishImageEvent("tag", src.target, src.target.digest.str(), FamiliarizeStoredName(name));
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
  Digest id;
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ReportItem> items, RemoveLocked(ref, force, &id));
  if (options_.events != nullptr) {
    const Labels labels = EventLabels(id);  // read once, after the removal
    for (const ReportItem& item : items) {
      if (!item.untagged.empty()) {
        options_.events->Publish(ImageEvent("untag", id.str(), item.untagged, &labels));
      }
      if (!item.deleted.empty()) {
        options_.events->Publish(ImageEvent("delete", id.str(), item.deleted, &labels));
      }
    }
  }
  return items;
}

absl::StatusOr<std::vector<ReportItem>> ImageService::RemoveLocked(std::string_view ref,
                                                                   bool force, Digest* id_out) {
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
    *id_out = id;
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
  *id_out = id;
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
  OperationTimer timer(options_.events, clock_, "load");
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
  std::vector<Digest> unpacked;
  for (const LoadedImage& loaded : result.images) {
    if (std::find(unpacked.begin(), unpacked.end(), loaded.target.digest) != unpacked.end()) {
      continue;
    }
    unpacked.push_back(loaded.target.digest);
    RECLAIM_RETURN_IF_ERROR(UnpackLoaded(loaded.name, loaded.target));
  }
  for (const LoadedImage& loaded : result.images) {
    PublishImageEvent("load", loaded.target, loaded.target.digest.str(),
                      loaded.dangling() ? loaded.target.digest.str()
                                        : FamiliarizeStoredName(loaded.name));
  }
  timer.Succeeded(NonNegative(result.bytes_read));
  return result;
}

absl::Status ImageService::UnpackLoaded(const std::string& name, const Descriptor& target) {
  if (!options_.unpack) return absl::OkStatus();
  absl::Status s = options_.unpack(target);
  if (s.ok() || absl::IsNotFound(s)) return absl::OkStatus();
  // The records and content are in place; only the snapshots are missing.
  return absl::Status(s.code(), "loaded " + FamiliarizeStoredName(name) +
                                    " but could not unpack it into " +
                                    options_.snapshotter + ": " + std::string(s.message()));
}

absl::Status ImageService::KeepDanglingIfUnnamed(const std::string& name, const Descriptor& old) {
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> images, store_.images().ListImages());
  if (std::any_of(images.begin(), images.end(),
                  [&](const ImageRecord& r) { return r.target.digest == old.digest; })) {
    return absl::OkStatus();
  }
  ImageRecord from;
  from.name = name;
  from.target = old;
  return EnsureDangling(from);
}

absl::StatusOr<PullResult> ImageService::Pull(RegistryClient& client, const Reference& ref,
                                              PullOptions options) {
  OperationTimer timer(options_.events, clock_, "pull");
  ReaderMutexLock lock(&records_mu_);
  if (options.clock == nullptr) options.clock = &clock_;
  if (!options.unpack) options.unpack = options_.unpack;
  RECLAIM_ASSIGN_OR_RETURN(PullResult result, PullImage(store_, client, ref, options));
  if (result.previous_target.has_value()) {
    RECLAIM_RETURN_IF_ERROR(KeepDanglingIfUnnamed(result.name, *result.previous_target));
  }
  absl::Status s = store_.images().DeleteImage(DanglingImageName(result.target.digest));
  if (!s.ok() && !absl::IsNotFound(s)) return s;
  PublishImageEvent("pull", result.target, ref.FamiliarString(), ref.FamiliarString());
  timer.Succeeded(NonNegative(result.bytes_fetched));
  return result;
}

absl::StatusOr<PushResult> ImageService::Push(RegistryClient& client, const Reference& ref,
                                              PushOptions options) {
  OperationTimer timer(options_.events, clock_, "push");
  if (options.clock == nullptr) options.clock = &clock_;
  RECLAIM_ASSIGN_OR_RETURN(PushResult result, PushImage(store_, client, ref, options));
  PublishImageEvent("push", result.target, ref.FamiliarString(), ref.FamiliarString());
  timer.Succeeded();
  return result;
}

absl::StatusOr<std::vector<Reference>> ImageService::PushReferences(const Reference& ref) {
  return reclaim::PushReferences(store_, ref);
}

absl::StatusOr<ImportResult> ImageService::Import(ByteSource& source, const ImportOptions& options) {
  OperationTimer timer(options_.events, clock_, "import");
  ReaderMutexLock lock(&records_mu_);
  ImportOptions o = options;
  if (o.clock == nullptr) o.clock = &clock_;
  RECLAIM_ASSIGN_OR_RETURN(ImportResult result, ImportRootfs(store_, source, o));
  if (result.previous_target.has_value() && result.previous_target->digest != result.target.digest) {
    RECLAIM_RETURN_IF_ERROR(KeepDanglingIfUnnamed(result.name, *result.previous_target));
  }
  RECLAIM_RETURN_IF_ERROR(UnpackLoaded(result.name, result.target));
  PublishImageEvent("import", result.target, result.target.digest.str(),
                    result.target.digest.str());
  timer.Succeeded(NonNegative(result.layer.size));
  return result;
}

absl::StatusOr<SaveResult> ImageService::Save(const std::vector<std::string>& names,
                                              ByteSink& sink, const SaveOptions& options) {
  OperationTimer timer(options_.events, clock_, "save");
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
  RECLAIM_ASSIGN_OR_RETURN(SaveResult result, SaveImages(store_, resolved, sink, options));
  for (const SavedImage& saved : result.images) {
    PublishImageEvent("save", saved.target, saved.target.digest.str(),
                      saved.name.empty() ? saved.target.digest.str()
                                         : FamiliarizeStoredName(saved.name));
  }
  timer.Succeeded(NonNegative(result.bytes_written));
  return result;
}


}  // namespace reclaim
