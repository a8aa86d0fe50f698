// File: store/open/open_store.h
//
// Opening the store a command or `reclaim serve` works on, by what the user
// asked for: the embedded store under a root directory (the default), or a
// real containerd's socket and namespace (`--store containerd
// --containerd-address SOCK --namespace NS`). Everything above this module
// sees a Store only; the embedded store's own extras (fsck) are reached by
// asking for the LocalStore (AsLocalStore).
//
//   StoreSpec spec{.kind = StoreKind::kContainerd, .containerd_address = sock, .ns = "moby"};
//   RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(spec));
//
// Builds without the containerd store (RECLAIM_CONTAINERD=OFF) answer
// Unimplemented for kContainerd.
//
// Thread-safety: stateless functions.
#ifndef RECLAIM_STORE_OPEN_OPEN_STORE_H_
#define RECLAIM_STORE_OPEN_OPEN_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/descriptor.h"
#include "platform/clock.h"
#include "store/store.h"

namespace reclaim {

class LocalStore;

enum class StoreKind { kLocal, kContainerd };

inline constexpr std::string_view kDefaultContainerdAddress = "/run/containerd/containerd.sock";
inline constexpr std::string_view kDefaultContainerdNamespace = "default";
inline constexpr std::string_view kDefaultSnapshotter = "overlayfs";

struct StoreSpec {
  StoreKind kind = StoreKind::kLocal;
  // kLocal: the root directory, the LOCK holder's name, fsync, clock.
  std::string root;
  std::string holder = "reclaim";
  bool sync = true;
  const Clock* clock = nullptr;
  // The space reserve that lets a full disk be pruned (LocalStoreOptions::
  // reserve_bytes): <root>/reserve, 32 MiB.
  uint64_t reserve_bytes = uint64_t{32} << 20;
  // kContainerd: the daemon's gRPC socket (a path or unix://…), the namespace
  // and the snapshotter whose snapshots count (containerd's default).
  std::string containerd_address = std::string(kDefaultContainerdAddress);
  std::string ns = std::string(kDefaultContainerdNamespace);
  std::string snapshotter = std::string(kDefaultSnapshotter);
};

// "local" or "containerd" (the --store values); InvalidArgument naming the
// accepted values otherwise.
[[nodiscard]] absl::StatusOr<StoreKind> ParseStoreKind(std::string_view name);
std::string_view StoreKindName(StoreKind kind);

// The snapshotter the services count snapshots of: empty for the embedded
// store (it unpacks nothing), else spec.snapshotter.
std::string SnapshotterOf(const StoreSpec& spec);

// Threads walking image targets in an inventory (ImageServiceOptions::
// parallelism): the embedded store's reads are local file reads (4);
// containerd's are round trips to the daemon, and more in flight pay (8:
// bench/containerd_prune measured the inventory of 1000 images at 0.43 s with 4,
// 0.33 s with 8).
int InventoryParallelism(const StoreSpec& spec);

// Opens the store. kLocal: LocalStore::Open's errors (a root held by another
// process is FailedPrecondition naming the holder). kContainerd:
// ContainerdStore::Open's (Unavailable naming the socket when the daemon does
// not answer).
[[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreSpec& spec);

// How a load or import into `store` unpacks what it brought in
// (ImageServiceOptions::unpack): on containerd, ContainerdStore::Unpack into
// the store's snapshotter for the host platform, index entries compared after
// `normalize_platform` (imageio's NormalizePlatform); NotFound when a target
// has no manifest for this platform. Unset on the embedded store, which
// keeps no snapshots.
std::function<absl::Status(const Descriptor& target)> UnpackerOf(
    Store& store, std::function<Platform(Platform)> normalize_platform);

// The embedded store behind `store`, or null when it is another kind.
LocalStore* AsLocalStore(Store& store);

}  // namespace reclaim

#endif  // RECLAIM_STORE_OPEN_OPEN_STORE_H_
