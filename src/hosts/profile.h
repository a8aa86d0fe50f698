// File: hosts/profile.h
//
// Host profiles: which rules protect images in use on the host reclaim prunes.
// A containerd is shared with the programs that run containers on it, and each
// records use differently (specs/hosts.md):
//
//   containerd   containers carry an `image` field (ctr, nerdctl): moby's rules
//   kubernetes   namespace k8s.io: CRI's containers name their image only in
//                the metadata extension (ImageRef), an image has up to three
//                records, kubelet's sandbox image must stay
//   docker       namespace moby: a stopped Docker container exists only as a
//                lease (ID = container ID) holding its snapshots
//
// The profile comes from the namespace unless `--host` names one.
//
//   RECLAIM_ASSIGN_OR_RETURN(HostChoice host, ChooseHost(flag, spec));
//   host.reason;  // "namespace k8s.io is Kubernetes' (CRI)"
//
// Thread-safety: value types and pure functions.
#ifndef RECLAIM_HOSTS_PROFILE_H_
#define RECLAIM_HOSTS_PROFILE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace reclaim {

enum class HostKind { kContainerd, kKubernetes, kDocker };

inline constexpr std::string_view kKubernetesNamespace = "k8s.io";
inline constexpr std::string_view kDockerNamespace = "moby";
// containerd 1.6's default `sandbox_image`.
inline constexpr std::string_view kDefaultSandboxImage = "registry.k8s.io/pause:3.6";
// kubelet's imageMinimumGCAge.
inline constexpr absl::Duration kKubernetesMinAge = absl::Minutes(2);

// "containerd", "kubernetes", "docker"; InvalidArgument naming the accepted
// values otherwise.
[[nodiscard]] absl::StatusOr<HostKind> ParseHostKind(std::string_view name);
std::string_view HostKindName(HostKind kind);

struct HostChoice {
  HostKind kind = HostKind::kContainerd;
  std::string reason;  // why this profile: "--host docker", "namespace moby is Docker's"
};

// "kubernetes (namespace k8s.io is Kubernetes' (CRI))": how `serve`, `info`
// and `docker info` name the profile in effect.
std::string HostChoiceText(const HostChoice& choice);

// `flag` (empty: not given) wins; else by containerd namespace: k8s.io →
// kubernetes, moby → docker, anything else (and the embedded store, `ns`
// empty) → containerd.
[[nodiscard]] absl::StatusOr<HostChoice> ChooseHost(std::string_view flag, std::string_view ns);

}  // namespace reclaim

#endif  // RECLAIM_HOSTS_PROFILE_H_
