// File: service/prune/host_protection.h
//
// The seam through which a host profile (hosts/) takes part in a prune: after
// PruneService gathers the Inventory and before it plans, the profile reads its
// own container sources (Kubernetes' CRI records, Docker's per-container
// leases, ...) and answers what the planner needs:
//
//   containers    the containers moby's rules (§4.2) apply to, in place of
//                 Inventory::containers;
//   stages        extra planner stages (stages.h), run after keep-last-tag;
//                 they may only keep candidates;
//   dangling_rule what `dangling` means on this host.
//
// When the profile cannot tell whether an image is in use (a container it
// cannot attribute to an image), Read fails and the prune refuses: nothing is
// deleted. The profile never guesses.
//
// Thread-safety: implementations are safe for concurrent use.
#ifndef RECLAIM_SERVICE_PRUNE_HOST_PROTECTION_H_
#define RECLAIM_SERVICE_PRUNE_HOST_PROTECTION_H_

#include <vector>

#include "absl/status/statusor.h"
#include "service/inventory/inventory.h"
#include "service/prune/options.h"
#include "service/prune/plan.h"
#include "store/records.h"
#include "store/store.h"

namespace reclaim {

struct HostPlanInputs {
  std::vector<ContainerRecord> containers;
  std::vector<PlanStage> stages;
  DanglingRule dangling_rule = DanglingRule::kMobyRecord;
};

class HostProtection {
 public:
  virtual ~HostProtection() = default;
  // `inventory` is the one just gathered from `store`; `options` the prune's.
  [[nodiscard]] virtual absl::StatusOr<HostPlanInputs> Read(Store& store,
                                                            const Inventory& inventory,
                                                            const PruneOptions& options) const = 0;
};

}  // namespace reclaim

#endif  // RECLAIM_SERVICE_PRUNE_HOST_PROTECTION_H_
