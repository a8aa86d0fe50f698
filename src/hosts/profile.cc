#include "hosts/profile.h"

#include "absl/status/status.h"

namespace reclaim {

absl::StatusOr<HostKind> ParseHostKind(std::string_view name) {
  if (name == "containerd") return HostKind::kContainerd;
  if (name == "kubernetes") return HostKind::kKubernetes;
  if (name == "docker") return HostKind::kDocker;
  return absl::InvalidArgumentError("invalid host profile \"" + std::string(name) +
                                    "\": use containerd, kubernetes or docker");
}

std::string_view HostKindName(HostKind kind) {
  switch (kind) {
    case HostKind::kContainerd:
      return "containerd";
    case HostKind::kKubernetes:
      return "kubernetes";
    case HostKind::kDocker:
      return "docker";
  }
  return "containerd";
}

std::string HostChoiceText(const HostChoice& choice) {
  return std::string(HostKindName(choice.kind)) + " (" + choice.reason + ")";
}

absl::StatusOr<HostChoice> ChooseHost(std::string_view flag, std::string_view ns) {
  if (!flag.empty()) {
    absl::StatusOr<HostKind> kind = ParseHostKind(flag);
    if (!kind.ok()) return kind.status();
    return HostChoice{*kind, "--host " + std::string(flag)};
  }
  if (ns == kKubernetesNamespace) {
    return HostChoice{HostKind::kKubernetes, "namespace k8s.io is Kubernetes' (CRI)"};
  }
  if (ns == kDockerNamespace) return HostChoice{HostKind::kDocker, "namespace moby is Docker's"};
  if (ns.empty()) return HostChoice{HostKind::kContainerd, "the embedded store"};
  return HostChoice{HostKind::kContainerd, "namespace " + std::string(ns)};
}

}  // namespace reclaim
