#include "service/prune/prune_service.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "core/reference.h"
#include "core/status.h"
#include "service/prune/stages.h"

namespace reclaim {
namespace {

// What a collection removed beyond the `attributed` bytes the report counts
// for the pruned images: content and snapshots (of `snapshotter`; empty: any)
// that nothing referenced before the prune.
uint64_t LeftoverBytes(const CollectResult& collected, const std::string& snapshotter,
                       uint64_t attributed) {
  uint64_t removed = 0;
  for (const ContentInfo& c : collected.removed_content) removed += static_cast<uint64_t>(c.size);
  for (const SnapshotUsage& s : collected.removed_snapshots) {
    if (snapshotter.empty() || s.snapshotter == snapshotter) removed += static_cast<uint64_t>(s.size);
  }
  return removed > attributed ? removed - attributed : 0;
}

// What the re-check compares when the store keeps no records generation: the
// fields of image and container records a plan depends on, sorted.
// With a host profile, leases too: Docker's containers are leases holding
// snapshots (hosts.md B4), so a container made meanwhile is a lease or a
// snapshot added to one.
struct RecordsSnapshot {
  std::vector<std::tuple<std::string, Digest, std::string, absl::Time>> images;
  std::vector<std::tuple<std::string, std::string, Digest>> containers;
  bool with_leases = false;
  std::vector<std::pair<std::string, std::vector<std::string>>> leases;  // id, resource IDs
};

// The leases' IDs and resources, sorted.
absl::Status ReadLeases(Store& store, RecordsSnapshot* out) {
  RECLAIM_ASSIGN_OR_RETURN(std::vector<Lease> leases, store.leases().ListLeases());
  out->with_leases = true;
  out->leases.clear();
  for (const Lease& l : leases) {
    std::vector<std::string> ids;
    for (const LeaseResource& r : l.resources) {
      ids.push_back(std::to_string(static_cast<int>(r.type)) + "/" + r.snapshotter + "/" + r.id);
    }
    std::sort(ids.begin(), ids.end());
    out->leases.emplace_back(l.id, std::move(ids));
  }
  std::sort(out->leases.begin(), out->leases.end());
  return absl::OkStatus();
}

RecordsSnapshot SnapshotOf(const std::vector<ImageRecord>& images,
                           const std::vector<ContainerRecord>& containers) {
  RecordsSnapshot out;
  out.images.reserve(images.size());
  for (const ImageRecord& i : images) {
    out.images.emplace_back(i.name, i.target.digest, i.target.media_type, i.created_at);
  }
  out.containers.reserve(containers.size());
  for (const ContainerRecord& c : containers) {
    out.containers.emplace_back(c.id, c.image, c.image_id);
  }
  std::sort(out.images.begin(), out.images.end());
  std::sort(out.containers.begin(), out.containers.end());
  return out;
}

RecordsSnapshot SnapshotOf(const Inventory& inventory) {
  RecordsSnapshot out;
  out.images.reserve(inventory.images.size());
  for (const ImageInventory& i : inventory.images) {
    out.images.emplace_back(i.record.name, i.record.target.digest, i.record.target.media_type,
                            i.record.created_at);
  }
  out.containers.reserve(inventory.containers.size());
  for (const ContainerRecord& c : inventory.containers) {
    out.containers.emplace_back(c.id, c.image, c.image_id);
  }
  std::sort(out.images.begin(), out.images.end());
  std::sort(out.containers.begin(), out.containers.end());
  return out;
}

// True when the image or container records differ from `seen`.
absl::StatusOr<bool> RecordsMoved(Store& store, const RecordsSnapshot& seen) {
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> images, store.images().ListImages());
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContainerRecord> containers,
                           store.containers().ListContainers());
  if (images.size() != seen.images.size() || containers.size() != seen.containers.size()) {
    return true;
  }
  RecordsSnapshot now = SnapshotOf(images, containers);
  if (now.images != seen.images || now.containers != seen.containers) return true;
  if (!seen.with_leases) return false;
  RECLAIM_RETURN_IF_ERROR(ReadLeases(store, &now));
  return now.leases != seen.leases;
}

// How PruneService tells, under the records lock, whether the records moved
// since the inventory was gathered: the store's records generation when it
// keeps one (taken before the gather), else a snapshot of the records.
struct RecordsCheck {
  absl::StatusOr<uint64_t> generation;
  RecordsSnapshot snapshot;  // without a generation only

  absl::StatusOr<bool> Moved(Store& store) const {
    if (generation.ok()) {
      absl::StatusOr<uint64_t> now = store.RecordsGeneration();
      return !now.ok() || *now != *generation;
    }
    return RecordsMoved(store, snapshot);
  }
};

}  // namespace

std::string ImageErrorLine(const ImageError& error) {
  const std::string& stored = error.name;
  const std::string name = stored.starts_with(kDanglingPrefix)
                               ? stored.substr(kDanglingPrefix.size())
                               : FamiliarizeStoredName(stored);
  return name + ": " + std::string(error.status.message());
}

absl::Status PruneResult::ErrorStatus() const {
  if (report.errors.empty()) return absl::OkStatus();
  std::string message;
  for (const ImageError& e : report.errors) {
    if (!message.empty()) message += "\n";
    message += ImageErrorLine(e);
  }
  return absl::Status(report.errors.front().status.code(), message);
}

PruneService::PruneService(Store& store, PruneServiceOptions options)
    : store_(store),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : RealClock()),
      zone_(options_.zone.has_value() ? *options_.zone : LocalTimeZone()),
      records_mu_(options_.records_mu != nullptr ? *options_.records_mu : own_records_mu_) {}

void PruneService::SetPhaseHookForTesting(std::function<void(PrunePhase)> hook) {
  MutexLock lock(&hook_mu_);
  hook_ = std::move(hook);
}

void PruneService::Phase(PrunePhase phase) {
  std::function<void(PrunePhase)> hook;
  {
    MutexLock lock(&hook_mu_);
    hook = hook_;
  }
  if (hook) hook(phase);
}

absl::Status PruneService::AcquireGuard(const PruneRequest& request) {
  std::unique_lock<std::mutex> lock(guard_mu_);
  if (!running_) {
    running_ = true;
    return absl::OkStatus();
  }
  if (!request.wait) return absl::AbortedError(std::string(kPruneRunningMessage));
  while (running_) {
    RECLAIM_RETURN_IF_ERROR(CheckCancelled(request.cancel, "waiting for the running prune"));
    guard_cv_.wait_for(lock, std::chrono::milliseconds(20));
  }
  running_ = true;
  return absl::OkStatus();
}

void PruneService::ReleaseGuard() {
  {
    std::lock_guard<std::mutex> lock(guard_mu_);
    running_ = false;
  }
  guard_cv_.notify_all();
}

InventoryOptions PruneService::GatherOptions(const PruneRequest& request) const {
  InventoryOptions io;
  io.parallelism = options_.parallelism;
  io.snapshotter = options_.snapshotter;
  io.cancel = request.cancel;
  io.cache = options_.cache;
  io.config_summaries = false;  // the plan reads none
  if (request.progress) {
    io.on_walk = [&progress = request.progress](size_t walked, size_t targets) {
      progress({PruneProgress::Phase::kReading, walked, targets});
    };
  }
  return io;
}

absl::StatusOr<Plan> PruneService::PlanNow(const PruneOptions& options,
                                           const PruneRequest& request) {
  RECLAIM_RETURN_IF_ERROR(CheckCancelled(request.cancel, "image prune"));
  RECLAIM_ASSIGN_OR_RETURN(Inventory inventory, GatherInventory(store_, GatherOptions(request)));
  RECLAIM_RETURN_IF_ERROR(CheckCancelled(request.cancel, "image prune"));
  return PlanFrom(std::move(inventory), options);
}

absl::StatusOr<Plan> PruneService::PlanFrom(Inventory&& inventory, const PruneOptions& options) {
  if (options_.host == nullptr) return PlanPrune(std::move(inventory), options);
  absl::StatusOr<HostPlanInputs> host = options_.host->Read(store_, inventory, options);
  if (!host.ok()) return Annotate(host.status(), "image prune: refusing to prune");
  inventory.containers = std::move(host->containers);
  PruneOptions host_options = options;
  host_options.dangling_rule = host->dangling_rule;
  return PlanPrune(std::move(inventory), host_options, host->stages);
}

absl::StatusOr<Plan> PruneService::Explain(const FilterArgs& filters, const CancelToken* cancel) {
  PruneRequest request;
  request.cancel = cancel;
  return ExplainFor(filters, request);
}

absl::StatusOr<Plan> PruneService::ExplainFor(const FilterArgs& filters,
                                              const PruneRequest& request) {
  RECLAIM_ASSIGN_OR_RETURN(PruneOptions options, ParsePruneOptions(filters, clock_.Now(), zone_));
  return PlanNow(options, request);
}

absl::StatusOr<uint64_t> PruneService::UnreferencedBytes(const CancelToken* cancel) {
  // A plan in which no image is a candidate (every record is created after
  // the infinite past): its collection frees exactly what nothing references.
  PruneOptions options;
  options.dangling_only = false;
  options.until = {absl::InfinitePast()};
  options.now = clock_.Now();
  PruneRequest request;
  request.cancel = cancel;
  RECLAIM_ASSIGN_OR_RETURN(Plan plan, PlanNow(options, request));
  return plan.LeftoverBytes();
}

absl::StatusOr<PruneResult> PruneService::PruneJson(std::string_view filters_json,
                                                    const PruneRequest& request) {
  RECLAIM_ASSIGN_OR_RETURN(FilterArgs filters, FilterArgs::FromJSON(filters_json));
  return Prune(filters, request);
}

absl::StatusOr<PruneResult> PruneService::Prune(const FilterArgs& filters,
                                                const PruneRequest& request) {
  if (request.dry_run) {
    PruneResult result;
    result.dry_run = true;
    RECLAIM_ASSIGN_OR_RETURN(result.plan, ExplainFor(filters, request));
    result.report = result.plan.report;
    result.report.leftover_reclaimed = result.plan.LeftoverBytes();
    return result;
  }
  RECLAIM_RETURN_IF_ERROR(AcquireGuard(request));
  OperationTimer timer(options_.events, clock_, "image_prune");
  absl::StatusOr<PruneResult> result = Run(filters, request);
  Phase(PrunePhase::kDone);
  ReleaseGuard();
  if (result.ok()) {
    PublishEvents(*result);
    const Report& r = result->report;
    timer.Succeeded(r.space_reclaimed + r.leftover_reclaimed,
                    result->plan.deletions.size() - std::min(result->plan.deletions.size(),
                                                             r.errors.size()),
                    r.errors.size());
  }
  return result;
}

void PruneService::PublishEvents(const PruneResult& result) {
  if (options_.events == nullptr) return;
  std::set<std::string_view> failed;
  for (const ImageError& e : result.report.errors) failed.insert(e.name);
  // Per target, in the order of its first pruned name: the names that went,
  // and whether every record naming it went (then the image is deleted).
  struct Target {
    std::vector<const Decision*> gone;
    bool whole = true;
  };
  std::map<Digest, Target> targets;
  std::vector<Digest> order;
  for (const Decision& d : result.plan.decisions) {
    Target& t = targets[d.target];
    if (!d.prune || failed.contains(d.name)) {
      t.whole = false;
      continue;
    }
    if (t.gone.empty()) order.push_back(d.target);
    t.gone.push_back(&d);
  }
  for (const Digest& id : order) {
    const Target& t = targets[id];
    for (const Decision* d : t.gone) {
      if (plan_internal::IsDanglingName(d->name, id)) continue;
      options_.events->Publish(ImageEvent("untag", id.str(), FamiliarizeStoredName(d->name)));
    }
    if (t.whole) options_.events->Publish(ImageEvent("delete", id.str(), id.str()));
  }
  options_.events->Publish(PruneEvent("image", result.report.space_reclaimed));
}

void PruneService::ReleaseSnapshotLabels(const std::vector<SnapshotLabelRelease>& releases,
                                         const std::vector<ImageDeletion>& outcome,
                                         std::vector<Digest>* released,
                                         std::vector<ImageError>* errors) {
  absl::flat_hash_set<std::string_view> deleted;
  for (const ImageDeletion& d : outcome) {
    if (d.status.ok() || absl::IsNotFound(d.status)) deleted.insert(d.name);
  }
  for (const SnapshotLabelRelease& r : releases) {
    // A record that could not be deleted still reaches the config: its
    // snapshot stays pinned.
    const bool all_deleted = std::all_of(r.images.begin(), r.images.end(),
                                         [&](const std::string& n) { return deleted.contains(n); });
    if (!all_deleted) continue;
    absl::StatusOr<ContentInfo> updated =
        store_.content().UpdateContentLabels(r.config, {{r.label, ""}});
    if (updated.ok()) {
      released->push_back(r.config);
    } else if (!absl::IsNotFound(updated.status())) {  // NotFound: the config is already gone
      errors->push_back(ImageError{
          r.images.front(), absl::Status(updated.status().code(),
                                         "failed to remove gc.ref.snapshot label from " +
                                             r.config.str() + ": " +
                                             std::string(updated.status().message()))});
    }
  }
}

absl::Status PruneService::CollectLeftovers(Report* report) {
  MutexLock lock(&records_mu_);
  return CollectLeftoversLocked(report);
}

absl::Status PruneService::CollectLeftoversLocked(Report* report) {
  absl::StatusOr<CollectResult> collected = store_.collector().Collect();
  if (!collected.ok()) return Annotate(collected.status(), "image prune: collecting");
  report->leftover_reclaimed = LeftoverBytes(*collected, options_.snapshotter, 0);
  return absl::OkStatus();
}

absl::StatusOr<PruneResult> PruneService::Run(const FilterArgs& filters,
                                              const PruneRequest& request) {
  Phase(PrunePhase::kGuardTaken);
  Phase(PrunePhase::kOptions);
  RECLAIM_ASSIGN_OR_RETURN(PruneOptions options, ParsePruneOptions(filters, clock_.Now(), zone_));

  Phase(PrunePhase::kInventory);
  RECLAIM_RETURN_IF_ERROR(CheckCancelled(request.cancel, "image prune"));
  RecordsCheck check;
  // Before the gather: a record written from here on changes the generation.
  check.generation = store_.RecordsGeneration();
  Inventory inventory;
  RECLAIM_ASSIGN_OR_RETURN(inventory, GatherInventory(store_, GatherOptions(request)));

  Phase(PrunePhase::kPlan);
  RECLAIM_RETURN_IF_ERROR(CheckCancelled(request.cancel, "image prune"));
  // Without a records generation the re-check compares the records themselves.
  if (!check.generation.ok()) {
    check.snapshot = SnapshotOf(inventory);
    // Read after the gather, so a lease made during it re-plans (at worst
    // needlessly).
    if (options_.host != nullptr) RECLAIM_RETURN_IF_ERROR(ReadLeases(store_, &check.snapshot));
  }
  PruneResult result;
  // The plan is all the rest needs: the inventory is given up (and freed while
  // planning).
  RECLAIM_ASSIGN_OR_RETURN(result.plan, PlanFrom(std::move(inventory), options));
  if (result.plan.deletions.empty()) {
    result.report = result.plan.report;
    RECLAIM_RETURN_IF_ERROR(CollectLeftovers(&result.report));
    return result;
  }

  Phase(PrunePhase::kDelete);
  BatchDeleteResult batch;
  std::vector<Digest> released;
  std::vector<ImageError> release_errors;
  {
    MutexLock lock(&records_mu_);
    RECLAIM_ASSIGN_OR_RETURN(bool moved, check.Moved(store_));
    if (moved) {
      RECLAIM_ASSIGN_OR_RETURN(result.plan, PlanNow(options, request));
      if (result.plan.deletions.empty()) {
        result.report = result.plan.report;
        RECLAIM_RETURN_IF_ERROR(CollectLeftoversLocked(&result.report));
        return result;
      }
    }
    RECLAIM_RETURN_IF_ERROR(CheckCancelled(request.cancel, "image prune"));
    DeleteAndCollectOptions delete_options;
    if (!result.plan.snapshot_label_releases.empty()) {
      delete_options.after_deletions = [&](const std::vector<ImageDeletion>& outcome) {
        ReleaseSnapshotLabels(result.plan.snapshot_label_releases, outcome, &released,
                              &release_errors);
      };
    }
    const size_t n = result.plan.deletions.size();
    if (request.progress) request.progress({PruneProgress::Phase::kDeleting, 0, n});
    absl::StatusOr<BatchDeleteResult> deleted =
        store_.collector().DeleteImagesAndCollect(result.plan.NamesToDelete(), delete_options);
    if (!deleted.ok()) return Annotate(deleted.status(), "image prune: deleting images");
    batch = *std::move(deleted);
    if (request.progress) request.progress({PruneProgress::Phase::kDeleting, n, n});
  }

  result.report = BuildReport(result.plan, batch, options_.snapshotter);
  result.report.leftover_reclaimed =
      LeftoverBytes(batch.collected, options_.snapshotter, result.report.space_reclaimed);
  result.report.snapshot_labels_released = std::move(released);
  if (!release_errors.empty()) {
    for (ImageError& e : release_errors) result.report.errors.push_back(std::move(e));
    std::stable_sort(result.report.errors.begin(), result.report.errors.end(),
                     [](const ImageError& a, const ImageError& b) { return a.name < b.name; });
  }
  return result;
}

}  // namespace reclaim
