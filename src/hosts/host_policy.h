// File: hosts/host_policy.h
//
// HostPolicy: the protections of one host profile (profile.h), as the prune's
// HostProtection (service/prune/host_protection.h). Its Read, after the
// inventory is gathered, asks the host's own sources which images are in use:
//
//   kubernetes  every CRI container (io.cri-containerd.kind=container, any
//               state) uses the image whose config is its metadata
//               extension's ImageRef; a sandbox uses the image its snapshot
//               chain starts from, and the configured sandbox image is kept
//               by name; io.cri-containerd.pinned=pinned images are kept; an
//               image's records (tag, digest, ID) are pruned together or not
//               at all; `dangling` also means an ID record left alone.
//   docker      every lease without `moby/prune.images` that holds snapshots
//               (Docker's per-container lease, ID = container ID) uses the
//               images whose rootfs chain its snapshots' parent chain reaches.
//   all         containers with an `image` field keep moby's rules; records
//               younger than min_age are kept.
// A container it cannot attribute (an unreadable CRI extension, a snapshot
// chain that reaches no image or a missing snapshot) makes Read fail with
// FailedPrecondition naming the container: the prune refuses.
//
// Thread-safety: immutable after construction; safe for concurrent use.
#ifndef RECLAIM_HOSTS_HOST_POLICY_H_
#define RECLAIM_HOSTS_HOST_POLICY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hosts/profile.h"
#include "service/prune/host_protection.h"
#include "store/records.h"

namespace reclaim {

inline constexpr std::string_view kCriKindLabel = "io.cri-containerd.kind";
inline constexpr std::string_view kCriContainerMetadata = "io.cri-containerd.container.metadata";
inline constexpr std::string_view kCriPinnedLabel = "io.cri-containerd.pinned";
inline constexpr std::string_view kMobyPruneLeaseLabel = "moby/prune.images";

struct HostPolicyOptions {
  HostChoice host;
  std::string sandbox_image = std::string(kDefaultSandboxImage);  // kubernetes
  absl::Duration min_age = absl::ZeroDuration();
  std::string snapshotter;  // whose snapshots chains are followed in
};

// What one of the host's containers uses, as its source tells.
struct HostUse {
  enum class Kind { kConfig, kChainId, kName };
  Kind kind = Kind::kConfig;
  std::string value;  // config digest, rootfs chain ID, or stored image name
  std::string container_id;
  std::string text;  // "used by pod default/web container app (CRI)"
};

// The parsed `io.cri-containerd.container.metadata` extension (JSON
// {"Version":"v1","Metadata":{"ID","Name","SandboxID","ImageRef",...}}).
struct CriContainerMetadata {
  std::string id;
  std::string name;
  std::string sandbox_id;
  std::string image_ref;  // the image config digest
};
[[nodiscard]] absl::StatusOr<CriContainerMetadata> ParseCriContainerMetadata(
    std::string_view json);

class HostPolicy : public HostProtection {
 public:
  explicit HostPolicy(HostPolicyOptions options);

  const HostPolicyOptions& options() const { return options_; }

  [[nodiscard]] absl::StatusOr<HostPlanInputs> Read(Store& store, const Inventory& inventory,
                                                    const PruneOptions& options) const override;

  // Read's answer from what it read of the store (exposed for tests).
  [[nodiscard]] absl::StatusOr<HostPlanInputs> InputsFrom(
      const Inventory& inventory, const std::vector<Lease>& leases,
      const std::vector<SnapshotUsage>& snapshots) const;

  // The uses Read derives, from what it read (exposed for tests): containers
  // left to moby's rules go to `rest`.
  [[nodiscard]] absl::StatusOr<std::vector<HostUse>> Uses(
      const Inventory& inventory, const std::vector<ContainerRecord>& containers,
      const std::vector<Lease>& leases, const std::vector<SnapshotUsage>& snapshots,
      std::vector<ContainerRecord>* rest) const;

 private:
  // Kubernetes: labelled a CRI container, or carrying CRI's metadata extension.
  bool IsCriContainer(const ContainerRecord& c) const;
  bool IsCriSandbox(const ContainerRecord& c) const;
  // Attributed by its snapshot's parent chain: a CRI sandbox, or (kubernetes,
  // docker) a container with no `image`; it needs a snapshot key.
  bool FollowsSnapshotChain(const ContainerRecord& c) const;
  // Read lists the snapshots only when Uses will follow a chain.
  bool NeedsSnapshots(const std::vector<ContainerRecord>& containers) const;

  const HostPolicyOptions options_;
  std::string sandbox_name_;  // the sandbox image's stored (normalized) name
};

}  // namespace reclaim

#endif  // RECLAIM_HOSTS_HOST_POLICY_H_
