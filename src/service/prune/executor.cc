#include "service/prune/executor.h"

#include <chrono>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "core/reference.h"
#include "core/status.h"

namespace reclaim {
namespace {

std::string ErrorName(const std::string& stored) {
  if (stored.starts_with(kDanglingPrefix)) return stored.substr(kDanglingPrefix.size());
  return FamiliarizeStoredName(stored);
}

// True when the image or container records differ from what `inventory` saw.
absl::StatusOr<bool> RecordsMoved(Store& store, const Inventory& inventory) {
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> images, store.ListImages());
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContainerRecord> containers, store.ListContainers());
  if (images.size() != inventory.images.size() ||
      containers.size() != inventory.containers.size()) {
    return true;
  }
  std::map<std::string, std::tuple<Digest, std::string, absl::Time>> seen;
  for (const ImageInventory& i : inventory.images) {
    seen[i.record.name] = {i.record.target.digest, i.record.target.media_type, i.record.created_at};
  }
  for (const ImageRecord& i : images) {
    auto it = seen.find(i.name);
    if (it == seen.end() ||
        it->second != std::make_tuple(i.target.digest, i.target.media_type, i.created_at)) {
      return true;
    }
  }
  std::map<std::string, std::pair<std::string, Digest>> used;
  for (const ContainerRecord& c : inventory.containers) used[c.id] = {c.image, c.image_id};
  for (const ContainerRecord& c : containers) {
    auto it = used.find(c.id);
    if (it == used.end() || it->second != std::make_pair(c.image, c.image_id)) return true;
  }
  return false;
}

}  // namespace

absl::Status PruneResult::ErrorStatus() const {
  if (report.errors.empty()) return absl::OkStatus();
  std::string message;
  for (const ImageError& e : report.errors) {
    if (!message.empty()) message += "\n";
    message += ErrorName(e.name) + ": " + std::string(e.status.message());
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

absl::StatusOr<Plan> PruneService::PlanNow(const PruneOptions& options, const CancelToken* cancel,
                                           Inventory* inventory) {
  RECLAIM_RETURN_IF_ERROR(CheckCancelled(cancel, "image prune"));
  InventoryOptions io;
  io.parallelism = options_.parallelism;
  io.snapshotter = options_.snapshotter;
  io.cancel = cancel;
  io.cache = options_.cache;
  RECLAIM_ASSIGN_OR_RETURN(*inventory, GatherInventory(store_, io));
  RECLAIM_RETURN_IF_ERROR(CheckCancelled(cancel, "image prune"));
  return PlanPrune(*inventory, options);
}

absl::StatusOr<Plan> PruneService::Explain(const FilterArgs& filters, const CancelToken* cancel) {
  RECLAIM_ASSIGN_OR_RETURN(PruneOptions options, ParsePruneOptions(filters, clock_.Now(), zone_));
  Inventory inventory;
  return PlanNow(options, cancel, &inventory);
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
    RECLAIM_ASSIGN_OR_RETURN(result.plan, Explain(filters, request.cancel));
    result.report = result.plan.report;
    return result;
  }
  RECLAIM_RETURN_IF_ERROR(AcquireGuard(request));
  absl::StatusOr<PruneResult> result = Run(filters, request);
  Phase(PrunePhase::kDone);
  ReleaseGuard();
  return result;
}

absl::StatusOr<PruneResult> PruneService::Run(const FilterArgs& filters,
                                              const PruneRequest& request) {
  Phase(PrunePhase::kGuardTaken);
  Phase(PrunePhase::kOptions);
  RECLAIM_ASSIGN_OR_RETURN(PruneOptions options, ParsePruneOptions(filters, clock_.Now(), zone_));

  Phase(PrunePhase::kInventory);
  RECLAIM_RETURN_IF_ERROR(CheckCancelled(request.cancel, "image prune"));
  Inventory inventory;
  InventoryOptions io;
  io.parallelism = options_.parallelism;
  io.snapshotter = options_.snapshotter;
  io.cancel = request.cancel;
  io.cache = options_.cache;
  RECLAIM_ASSIGN_OR_RETURN(inventory, GatherInventory(store_, io));

  Phase(PrunePhase::kPlan);
  RECLAIM_RETURN_IF_ERROR(CheckCancelled(request.cancel, "image prune"));
  PruneResult result;
  result.plan = PlanPrune(inventory, options);
  if (result.plan.deletions.empty()) {
    result.report = result.plan.report;
    return result;
  }

  Phase(PrunePhase::kDelete);
  BatchDeleteResult batch;
  {
    MutexLock lock(&records_mu_);
    RECLAIM_ASSIGN_OR_RETURN(bool moved, RecordsMoved(store_, inventory));
    if (moved) {
      RECLAIM_ASSIGN_OR_RETURN(result.plan, PlanNow(options, request.cancel, &inventory));
      if (result.plan.deletions.empty()) {
        result.report = result.plan.report;
        return result;
      }
    }
    RECLAIM_RETURN_IF_ERROR(CheckCancelled(request.cancel, "image prune"));
    absl::StatusOr<BatchDeleteResult> deleted =
        store_.DeleteImagesAndCollect(result.plan.NamesToDelete());
    if (!deleted.ok()) return Annotate(deleted.status(), "image prune: deleting images");
    batch = *std::move(deleted);
  }

  std::set<Digest> removed_blobs;
  for (const ContentInfo& c : batch.collected.removed_content) removed_blobs.insert(c.digest);
  std::set<std::string> removed_chain_ids;
  for (const SnapshotUsage& s : batch.collected.removed_snapshots) {
    if (options_.snapshotter.empty() || s.snapshotter == options_.snapshotter) {
      removed_chain_ids.insert(s.key);
    }
  }
  result.report = BuildReport(result.plan, batch.deletions, removed_blobs, removed_chain_ids);
  return result;
}

}  // namespace reclaim
