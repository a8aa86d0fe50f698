// File: service/image_service.h
//
// ImageService is what the Docker image endpoints need from a Store
// (specs/docker-api.md §3.3-§3.10), with Docker's semantics on the containerd
// image store (moby daemon/containerd):
//
//   List     one summary per image ID (= target digest): RepoTags/RepoDigests in
//            familiar form, Created from the image config's `created` (the
//            records' creation time when there is none), Size = unique bytes of
//            the present blobs (+ snapshots), Labels of the config, the number
//            of containers; filters `dangling`, `label`, `label!`, `before`,
//            `since`, `reference`, `until`; newest first.
//   Inspect  Docker's ImageInspect fields for the host platform's config.
//   History  the config's history, newest first.
//   Tag      source (name, ID or ID prefix) -> a new canonical name; a name that
//            pointed elsewhere moves, and its old target keeps a
//            `moby-dangling@<digest>` record when that was its last name; tagging
//            a dangling image drops its dangling record.
//   Remove   `docker rmi`: untag, or delete the image and its content (one
//            collection), or refuse with Docker's 409 texts; with force a used
//            image loses its name but keeps a dangling record.
//   Load / Import / Save   imageio pass-throughs; a load that moves a name
//            leaves a dangling record for the old target when a container uses
//            it; an import that moves a name does so when it was the last name.
//            With ImageServiceOptions::unpack (a containerd store), every
//            target a load or import brings in is then unpacked into the
//            snapshotter, as `docker load` on the containerd store does; a
//            target with nothing for this platform stays packed.
//   Prune    the PruneService (service/prune/prune_service.h) sharing this service's
//            records lock.
//
// List cache: the inventory a list is computed from (records, content sizes,
// the walks) is gathered once per Store::StateGeneration and kept; concurrent
// lists of the same generation wait for one gather. Filters (`until` is
// relative to now) are applied to it on every call; the unfiltered list itself
// is also kept (ListShared). Stores without a generation are read every time.
//
// Records lock: Tag, Remove, container create/remove and the prune's delete
// phase hold it exclusively; Load, Import and Save hold it shared for their
// whole run, so a prune never deletes what a load is writing or a save is
// reading.
//
// Errors follow moby's classes and texts: NotFound `No such image: alpine:latest`,
// InvalidArgument for bad references, FailedPrecondition (409) for conflicts.
//
// Thread-safety: safe for concurrent use.
#ifndef RECLAIM_SERVICE_IMAGE_SERVICE_H_
#define RECLAIM_SERVICE_IMAGE_SERVICE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/descriptor.h"
#include "core/digest.h"
#include "core/filters.h"
#include "imageio/byte_stream.h"
#include "imageio/import.h"
#include "imageio/load.h"
#include "imageio/pull.h"
#include "imageio/push.h"
#include "imageio/save.h"
#include "platform/clock.h"
#include "platform/mutex.h"
#include "service/events/events.h"
#include "service/prune/prune_service.h"
#include "service/inventory/inventory.h"
#include "service/prune/report.h"
#include "store/store.h"

namespace reclaim {

struct ImageServiceOptions {
  const Clock* clock = nullptr;        // default RealClock()
  std::optional<absl::TimeZone> zone;  // default LocalTimeZone()
  std::string snapshotter;             // snapshot sizes counted; empty: all
  int parallelism = 4;                 // walks of a list or prune
  const HostProtection* host = nullptr;  // the host profile's (PruneServiceOptions::host)
  // Unpacks a loaded or imported target into the store's snapshotter
  // (store/open UnpackerOf); NotFound means "nothing for this platform" and
  // leaves the image packed. Unset: loads stay packed (the embedded store).
  std::function<absl::Status(const Descriptor& target)> unpack;
  // Receives Docker's image events (service/events/events.h) of every
  // change this service and its PruneService make, after the change;
  // null: none are produced.
  EventSink* events = nullptr;
};

// One row of GET /images/json (ImageSummary).
struct ImageSummary {
  Digest id;
  std::string parent_id;                  // always "" (no classic builder parents)
  std::vector<std::string> repo_tags;     // familiar, e.g. "alpine:3"
  std::vector<std::string> repo_digests;  // familiar, e.g. "alpine@sha256:…"
  absl::Time created = absl::UnixEpoch();
  int64_t size = 0;          // unique bytes of present blobs + snapshots
  int64_t shared_size = -1;  // bytes also used by another image; -1 unless asked
  std::optional<Labels> labels;  // config labels; nullopt: JSON null
  int64_t containers = 0;        // containers whose ImageID is `id`
  Descriptor target;
};

struct ImageListOptions {
  FilterArgs filters;
  bool all = false;          // accepted; reclaim has no intermediate images to hide
  bool shared_size = false;  // compute ImageSummary::shared_size
};

// GET /images/{name}/json.
struct ImageInspect {
  Digest id;
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
  std::string parent;
  std::string comment;
  std::optional<absl::Time> created;  // config `created`
  std::string docker_version;
  std::string author;
  // The config's `config` section in moby's key order (User, ExposedPorts, Env,
  // Entrypoint, Cmd, Volumes, WorkingDir, Labels, StopSignal, ArgsEscaped,
  // Healthcheck, OnBuild, Shell), empty values left out; always an object.
  nlohmann::ordered_json config = nlohmann::ordered_json::object();
  std::string architecture;
  std::string variant;
  std::string os;
  std::string os_version;
  int64_t size = 0;
  std::string graph_driver;  // the snapshotter name (may be empty)
  std::string rootfs_type = "layers";
  std::vector<std::string> rootfs_layers;  // diff IDs
  std::optional<absl::Time> last_tag_time;  // nullopt: Go's zero time
  Descriptor descriptor;                    // the target
};

// One entry of GET /images/{name}/history.
struct ImageHistoryItem {
  std::string id;  // the image ID on the newest entry, "<missing>" on the others
  int64_t created = 0;  // Unix seconds
  std::string created_by;
  std::vector<std::string> tags;  // newest entry only (its RepoTags); else empty (null)
  int64_t size = 0;
  std::string comment;
};

class ImageService {
 public:
  explicit ImageService(Store& store, ImageServiceOptions options = {});
  ~ImageService();
  ImageService(const ImageService&) = delete;
  ImageService& operator=(const ImageService&) = delete;

  Store& store() { return store_; }
  const Clock& clock() const { return clock_; }
  // The zone zone-less timestamps of filters are read in.
  absl::TimeZone zone() const { return options_.zone.has_value() ? *options_.zone : LocalTimeZone(); }
  PruneService& prune() { return *prune_; }
  // The records lock (see the file comment).
  Mutex& records_mutex() { return records_mu_; }
  BlobParseCache& cache() { return cache_; }
  // ImageServiceOptions::events (may be null), for the services beside this one.
  EventSink* events() const { return options_.events; }

  [[nodiscard]] absl::StatusOr<std::vector<ImageSummary>> List(const ImageListOptions& options);
  // List without a copy: the unfiltered list (no filters, no shared sizes) is
  // the cached one, shared by every caller until the store changes.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const std::vector<ImageSummary>>> ListShared(
      const ImageListOptions& options);
  [[nodiscard]] absl::StatusOr<ImageInspect> Inspect(std::string_view ref_or_id);
  [[nodiscard]] absl::StatusOr<std::vector<ImageHistoryItem>> History(std::string_view ref_or_id);
  // The record `ref_or_id` resolves to (resolve.h ResolveImage).
  [[nodiscard]] absl::StatusOr<ImageRecord> Resolve(std::string_view ref_or_id);

  // `repo` as the client sent it (normalised or familiar, may carry a tag);
  // `tag` may be empty (then repo's tag, else `latest`). Returns the stored name.
  [[nodiscard]] absl::StatusOr<std::string> Tag(std::string_view source, std::string_view repo,
                                                std::string_view tag);
  // `docker rmi`. `noprune` is accepted (there are no parent images to prune).
  [[nodiscard]] absl::StatusOr<std::vector<ReportItem>> Remove(std::string_view ref_or_id,
                                                               bool force, bool noprune);

  // `docker pull` of one tag or digest reference (imageio/pull.h) through
  // `client`, unpacked with ImageServiceOptions::unpack when the options set
  // none. A name that moves keeps its old target as a dangling record when
  // nothing else names it; the new target loses its dangling record.
  [[nodiscard]] absl::StatusOr<PullResult> Pull(RegistryClient& client, const Reference& ref,
                                                PullOptions options = {});

  // `docker push` of one tag or digest reference (imageio/push.h). It takes
  // no records lock: the push's lease keeps what it reads, and a prune
  // racing it makes the push fail cleanly rather than wait for it.
  [[nodiscard]] absl::StatusOr<PushResult> Push(RegistryClient& client, const Reference& ref,
                                                PushOptions options = {});
  // The references a push of `ref` pushes (imageio/push.h PushReferences).
  [[nodiscard]] absl::StatusOr<std::vector<Reference>> PushReferences(const Reference& ref);

  [[nodiscard]] absl::StatusOr<LoadResult> Load(ByteSource& source,
                                                const LoadOptions& options = {});
  [[nodiscard]] absl::StatusOr<ImportResult> Import(ByteSource& source,
                                                    const ImportOptions& options = {});
  // Names may be anything Resolve accepts; unknown ones are NotFound before a
  // byte is written.
  [[nodiscard]] absl::StatusOr<SaveResult> Save(const std::vector<std::string>& names,
                                                ByteSink& sink, const SaveOptions& options = {});

  // Image summaries with container counts and shared sizes, and the bytes of
  // every blob any image reaches, each once (system df's LayersSize).
  struct DiskUsage {
    int64_t layers_size = 0;
    std::vector<ImageSummary> images;
  };
  [[nodiscard]] absl::StatusOr<DiskUsage> Usage();

 private:
  struct ListBase;
  struct ListCache;
  // The ListBase of the store's current state: the cached one when the store's
  // StateGeneration has not moved since it was gathered, else one build shared
  // by the concurrent callers. Stores without a generation: a fresh one each call.
  absl::StatusOr<std::shared_ptr<const ListBase>> GetListBase();
  absl::StatusOr<std::shared_ptr<ListBase>> BuildListBase(std::optional<uint64_t> generation);
  // The list filters validated and parsed (`until` relative to now), with
  // Docker's errors; done before the store is read.
  struct ListFilters {
    PruneOptions parsed;            // `label`, `label!`, `until`: prune's parser
    std::optional<bool> dangling;
  };
  absl::StatusOr<ListFilters> ParseListFilters(const FilterArgs& filters) const;
  absl::StatusOr<std::vector<ImageSummary>> Summarize(const ImageListOptions& options,
                                                      int64_t* layers_size);
  // Applies the parsed filters to `base`.
  absl::StatusOr<std::vector<ImageSummary>> Summarize(const ListBase& base,
                                                      const ImageListOptions& options,
                                                      const ListFilters& parsed,
                                                      int64_t* layers_size);
  absl::StatusOr<std::vector<ReportItem>> DeleteAll(const Digest& id,
                                                    const std::vector<ImageRecord>& all,
                                                    const std::vector<ContainerRecord>& containers,
                                                    bool check_stopped, bool check_references);
  absl::Status DeleteNames(const std::vector<ImageRecord>& records,
                           std::vector<ReportItem>* items);
  // Remove under the records lock; `*id` is the image the reference resolved to.
  absl::StatusOr<std::vector<ReportItem>> RemoveLocked(std::string_view ref, bool force,
                                                       Digest* id);
  // The labels an image event carries: the shown config's (image_views
  // SelectConfig); none when it cannot be read.
  Labels EventLabels(const Descriptor& target);
  // The same for an image known by ID, through any record still naming it;
  // none when every record is gone (a delete).
  Labels EventLabels(const Digest& id);
  // An image event for `target`, with its labels, to the sink (if any).
  void PublishImageEvent(std::string_view action, const Descriptor& target,
                         std::string actor_id, std::string name);
  // Creates `moby-dangling@<target>` from `from` (name labels dropped); an
  // existing one is fine.
  absl::Status EnsureDangling(const ImageRecord& from);
  // After `name` moved off `old`: a dangling record for `old` when no name
  // points at it any more.
  absl::Status KeepDanglingIfUnnamed(const std::string& name, const Descriptor& old);
  // options_.unpack on a target a load or import brought in under `name`.
  absl::Status UnpackLoaded(const std::string& name, const Descriptor& target);

  Store& store_;
  const ImageServiceOptions options_;
  const Clock& clock_;
  Mutex records_mu_;
  BlobParseCache cache_;
  std::unique_ptr<PruneService> prune_;
  const std::unique_ptr<ListCache> list_cache_;
};

}  // namespace reclaim

#endif  // RECLAIM_SERVICE_IMAGE_SERVICE_H_
