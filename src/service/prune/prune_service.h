// File: service/prune/prune_service.h
//
// PruneService runs `docker image prune` against a Store (design.md "The prune
// pipeline"; specs/prune.md), in this order:
//
//   1. concurrency guard: a second real prune on the same service while one
//      runs fails at once with Aborted (HTTP 409) `a prune operation is already
//      running`, whatever its filters; with PruneRequest::wait it queues
//      instead (until its turn or its cancellation). Dry runs take no guard.
//   2. options: ParsePruneOptions (400-class errors, Docker's texts);
//   3. inventory: GatherInventory, one pass (inventory.h);
//   4. plan: PlanPrune, which consumes the inventory (it is freed while
//      planning). A dry run returns here with the plan's report: nothing
//      changes;
//   5. delete: under the service's records lock (held exclusively; writers of
//      image and container records hold it too), the store's records
//      generation is compared with the one taken before the gather (a store
//      without one: the image and container records are compared with those
//      the inventory saw) and, if anything moved, the inventory is gathered and
//      planned again; then the planned names are deleted with
//      Collector::DeleteImagesAndCollect: one batch, ONE collection;
//      On a store with snapshots, the planned snapshot labels
//      (Plan::snapshot_label_releases, specs/prune.md §5.5) are removed between
//      the deletions and the collection, for configs whose pruned records were
//      all deleted (DeleteAndCollectOptions::after_deletions);
//   6. report: BuildReport from what the collection really removed (the plan's
//      report when everything went as planned), with the labels released.
// The CancelToken is checked between phases, and last just before the delete:
// a prune cancelled before step 5 changes nothing and fails with Cancelled.
// Leases are never deleted by a prune (moby deletes `moby/prune.images` leases
// first, breaking pulls in flight; reclaim does not). An image whose walk or
// deletion failed does not stop the others: it is in Report::errors, and
// PruneResult::ErrorStatus() joins them for callers that must answer an error.
// With nothing to delete, the collection still runs (under the records lock):
// it removes what interrupted loads, pulls and prunes left unreferenced. What
// a collection removes beyond the pruned images' bytes is
// Report::leftover_reclaimed; Docker's SpaceReclaimed does not count it, so a
// dry run and the real prune still agree.
//
// Guarantee (tested): with no change to the store in between, a dry run and the
// real prune that follows report exactly the same items and bytes.
//
//   PruneService prune(store, {.clock = &clock});
//   RECLAIM_ASSIGN_OR_RETURN(FilterArgs f, FilterArgs::FromJSON(R"({"dangling":{"false":true}})"));
//   RECLAIM_ASSIGN_OR_RETURN(PruneResult r, prune.Prune(f, {.dry_run = true}));
//   std::cout << ReportCliText(r.report);
//
// Thread-safety: safe for concurrent use; real prunes are serialised by the guard.
#ifndef RECLAIM_SERVICE_PRUNE_PRUNE_SERVICE_H_
#define RECLAIM_SERVICE_PRUNE_PRUNE_SERVICE_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/filters.h"
#include "platform/clock.h"
#include "platform/mutex.h"
#include "platform/cancel.h"
#include "service/events/events.h"
#include "service/inventory/inventory.h"
#include "service/prune/host_protection.h"
#include "service/prune/plan.h"
#include "service/prune/report.h"
#include "store/store.h"

namespace reclaim {

// The text of the 409 (moby's errPruneRunning).
inline constexpr std::string_view kPruneRunningMessage = "a prune operation is already running";

// How far a prune is (PruneRequest::progress): reading walks the image
// targets (`done` of `total`), deleting removes `total` records and collects.
struct PruneProgress {
  enum class Phase { kReading, kDeleting };
  Phase phase = Phase::kReading;
  size_t done = 0;
  size_t total = 0;
};

struct PruneRequest {
  bool dry_run = false;
  // Queue behind a running prune instead of failing with 409.
  bool wait = false;
  const CancelToken* cancel = nullptr;
  // Called as the prune moves (reading: from the walking threads, so it must
  // serialise itself; deleting: once before and once after, done = total).
  std::function<void(const PruneProgress&)> progress;
};

struct PruneResult {
  bool dry_run = false;
  // ImagesDeleted / SpaceReclaimed, plus the images that could not be pruned
  // (report.errors, sorted by name).
  Report report;
  // The plan that was executed (the last one, when the store moved and the
  // prune planned again under the lock). Its decisions explain every image.
  Plan plan;

  // OK when report.errors is empty; else an error with the first error's code
  // and one line per image: `<familiar name>: <message>`.
  absl::Status ErrorStatus() const;
};

// `<familiar name>: <message>` for one image that could not be pruned (the
// digest for a dangling record).
std::string ImageErrorLine(const ImageError& error);

// Points at which PruneService calls the test hook.
enum class PrunePhase { kGuardTaken, kOptions, kInventory, kPlan, kDelete, kDone };

struct PruneServiceOptions {
  const Clock* clock = nullptr;                // default RealClock()
  std::optional<absl::TimeZone> zone;          // for zone-less `until`; default LocalTimeZone()
  std::string snapshotter;                     // InventoryOptions::snapshotter
  int parallelism = 4;                         // InventoryOptions::parallelism
  // The lock writers of image and container records hold (ImageService's);
  // null: PruneService uses a lock of its own.
  Mutex* records_mu = nullptr;
  BlobParseCache* cache = nullptr;             // may be null
  // The host profile's protections (hosts/); null: the containers of
  // store.containers() under moby's rules only.
  const HostProtection* host = nullptr;
  // After a real prune: `untag` for every pruned name, `delete` for every
  // image whose records all went, then one `image prune` event with
  // `reclaimed=<SpaceReclaimed>` (service/events); null: none.
  EventSink* events = nullptr;
};

class PruneService {
 public:
  explicit PruneService(Store& store, PruneServiceOptions options = {});
  PruneService(const PruneService&) = delete;
  PruneService& operator=(const PruneService&) = delete;

  // Steps 1-6 above.
  [[nodiscard]] absl::StatusOr<PruneResult> Prune(const FilterArgs& filters,
                                                  const PruneRequest& request);
  // The API's entry: decodes `filters_json` (FilterArgs::FromJSON; `invalid
  // filter` 400 before the guard, as moby's router decodes first), then Prune.
  [[nodiscard]] absl::StatusOr<PruneResult> PruneJson(std::string_view filters_json,
                                                      const PruneRequest& request);
  // The plan alone (steps 2-4, no guard): every image's decision and why.
  [[nodiscard]] absl::StatusOr<Plan> Explain(const FilterArgs& filters,
                                             const CancelToken* cancel = nullptr);

  // What any collection would free now although no prune deletes anything:
  // content and snapshots nothing references (left by interrupted loads,
  // pulls or prunes). `system df` shows it.
  [[nodiscard]] absl::StatusOr<uint64_t> UnreferencedBytes(const CancelToken* cancel = nullptr);

  // Called at each phase of a real prune, on the pruning thread (tests block
  // here to hold the guard).
  void SetPhaseHookForTesting(std::function<void(PrunePhase)> hook);

 private:
  absl::StatusOr<PruneResult> Run(const FilterArgs& filters, const PruneRequest& request);
  // A collection with nothing to delete, for what interrupted operations left
  // (Report::leftover_reclaimed); Locked: the caller holds records_mu_.
  absl::Status CollectLeftovers(Report* report);
  absl::Status CollectLeftoversLocked(Report* report) ABSL_EXCLUSIVE_LOCKS_REQUIRED(records_mu_);
  // The gather's options for `request` (its cancel token and progress).
  InventoryOptions GatherOptions(const PruneRequest& request) const;
  // Gathers an inventory and plans from it (the inventory is freed while planning).
  absl::StatusOr<Plan> PlanNow(const PruneOptions& options, const PruneRequest& request);
  // Explain with the request's cancel token and progress.
  absl::StatusOr<Plan> ExplainFor(const FilterArgs& filters, const PruneRequest& request);
  // Plans from a gathered inventory, with the host profile's containers and
  // stages when there is one (its refusal is the error).
  absl::StatusOr<Plan> PlanFrom(Inventory&& inventory, const PruneOptions& options);
  // §5.5, between the deletions and the collection: removes each planned
  // snapshot label whose pruned records were all deleted.
  void ReleaseSnapshotLabels(const std::vector<SnapshotLabelRelease>& releases,
                             const std::vector<ImageDeletion>& outcome,
                             std::vector<Digest>* released, std::vector<ImageError>* errors);
  // PruneServiceOptions::events for a finished real prune.
  void PublishEvents(const PruneResult& result);
  absl::Status AcquireGuard(const PruneRequest& request);
  void ReleaseGuard();
  void Phase(PrunePhase phase);

  Store& store_;
  const PruneServiceOptions options_;
  const Clock& clock_;
  const absl::TimeZone zone_;
  Mutex own_records_mu_;
  Mutex& records_mu_;

  std::mutex guard_mu_;
  std::condition_variable guard_cv_;
  bool running_ = false;  // guarded by guard_mu_

  Mutex hook_mu_;
  std::function<void(PrunePhase)> hook_ ABSL_GUARDED_BY(hook_mu_);
};

}  // namespace reclaim

#endif  // RECLAIM_SERVICE_PRUNE_PRUNE_SERVICE_H_
