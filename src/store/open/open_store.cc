#include "store/open/open_store.h"

#include <utility>

#include "store/local/local_store.h"
#if RECLAIM_HAVE_CONTAINERD
#include "store/containerd/containerd_store.h"
#endif

namespace reclaim {

absl::StatusOr<StoreKind> ParseStoreKind(std::string_view name) {
  if (name == "local") return StoreKind::kLocal;
  if (name == "containerd") return StoreKind::kContainerd;
  return absl::InvalidArgumentError("unknown store \"" + std::string(name) +
                                    "\": expected local or containerd");
}

std::string_view StoreKindName(StoreKind kind) {
  return kind == StoreKind::kContainerd ? "containerd" : "local";
}

std::string SnapshotterOf(const StoreSpec& spec) {
  return spec.kind == StoreKind::kContainerd ? spec.snapshotter : std::string();
}

int InventoryParallelism(const StoreSpec& spec) {
  return spec.kind == StoreKind::kContainerd ? 8 : 4;
}

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreSpec& spec) {
  if (spec.kind == StoreKind::kLocal) {
    LocalStoreOptions o;
    o.root = spec.root;
    o.clock = spec.clock;
    o.holder = spec.holder;
    o.sync = spec.sync;
    o.reserve_bytes = spec.reserve_bytes;
    absl::StatusOr<std::unique_ptr<LocalStore>> local = LocalStore::Open(o);
    if (!local.ok()) return local.status();
    return std::unique_ptr<Store>(*std::move(local));
  }
#if RECLAIM_HAVE_CONTAINERD
  ContainerdStoreOptions o;
  o.socket = spec.containerd_address;
  o.ns = spec.ns;
  o.snapshotter = spec.snapshotter;
  absl::StatusOr<std::unique_ptr<ContainerdStore>> ctd = ContainerdStore::Open(o);
  if (!ctd.ok()) return ctd.status();
  return std::unique_ptr<Store>(*std::move(ctd));
#else
  return absl::UnimplementedError(
      "this build of reclaim has no containerd store (configured with RECLAIM_CONTAINERD=OFF)");
#endif
}

std::function<absl::Status(const Descriptor& target)> UnpackerOf(
    Store& store, std::function<Platform(Platform)> normalize_platform) {
#if RECLAIM_HAVE_CONTAINERD
  if (auto* ctd = dynamic_cast<ContainerdStore*>(&store); ctd != nullptr) {
    return [ctd, normalize = std::move(normalize_platform)](const Descriptor& target) {
      UnpackOptions o;
      o.normalize_platform = normalize;
      return ctd->Unpack(target, o).status();
    };
  }
#else
  (void)store;
  (void)normalize_platform;
#endif
  return nullptr;
}

LocalStore* AsLocalStore(Store& store) { return dynamic_cast<LocalStore*>(&store); }

}  // namespace reclaim
