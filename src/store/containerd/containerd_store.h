// File: store/containerd/containerd_store.h
//
// ContainerdStore: the Store interface over a real containerd's gRPC API
// (containerd 1.6, design.md "containerd store", specs/containerd.md), in one
// namespace. Images, content, containers, leases and snapshots map onto
// containerd's services of the same names; see store/containerd/convert.h for
// the record mapping.
//
//   RECLAIM_ASSIGN_OR_RETURN(auto store, ContainerdStore::Open({.socket = sock, .ns = "moby"}));
//
// Every call carries a deadline (a socket that is not containerd's gRPC one,
// such as `containerd.sock.ttrpc`, would otherwise hang forever); an unreachable
// daemon is Unavailable naming the socket. Deletions never ask for a
// synchronous collection: DeleteImagesAndCollect deletes every record, then
// makes ONE synchronous collection (a throwaway lease deleted with sync), and
// reports what went by diffing content, snapshots and leases listed before
// and after. Collect() is the throwaway-lease trick alone. Collections from one
// ContainerdStore are serialized so their diffs do not overlap; changes made
// by other clients during a collection can show up in its result.
//
// Differences from the embedded store, all containerd's: a label with an empty
// value is not stored (so `containerd.io/gc.flat` needs a non-empty value);
// descriptors keep media type, digest, size and annotations only; records whose
// digests are not sha256 are left out of lists.
//
// Thread-safety: safe for concurrent use (gRPC stubs are thread-safe); a
// ContentWriter or BlobReader belongs to one thread at a time.
#ifndef RECLAIM_STORE_CONTAINERD_CONTAINERD_STORE_H_
#define RECLAIM_STORE_CONTAINERD_CONTAINERD_STORE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/mutex.h"
#include "store/containerd/unpack.h"
#include "store/store.h"

namespace grpc {
class Channel;
class ClientContext;
class Status;
}  // namespace grpc

namespace reclaim {

struct ContainerdStoreOptions {
  std::string socket = "/run/containerd/containerd.sock";  // a path or "unix://…"
  std::string ns = "default";           // Docker uses "moby", Kubernetes "k8s.io"
  std::string snapshotter = "overlayfs";  // listed by ListSnapshots and diffed by collections
  std::string runtime = "io.containerd.runc.v2";  // containerd requires one on every container
  absl::Duration call_timeout = absl::Seconds(30);     // unary calls and reads
  absl::Duration stream_timeout = absl::Minutes(30);   // one content Writer, start to commit
  absl::Duration collect_timeout = absl::Minutes(10);  // the synchronous collection
  // Sizes of the snapshots a collection may remove (Snapshots.Usage for each
  // snapshot before it runs: one call per snapshot). Off: removed_snapshots
  // carry size 0. A prune needs none (its plan has the sizes).
  bool snapshot_usage_in_collect = false;
  // Threads making the per-snapshot Usage calls of ListSnapshots.
  int call_parallelism = 4;
  // Images.List is unary; containerd sends up to 16 MiB, and a larger list is
  // split (see ListImagesInto).
  int max_receive_bytes = 64 << 20;
};

// ContainerdStore provides every role, each over the containerd service of
// the same name.
class ContainerdStore final : public Store,
                              public ImageStore,
                              public ContentStore,
                              public ContainerStore,
                              public LeaseStore,
                              public SnapshotStore,
                              public Collector {
 public:
  // Connects and checks the daemon answers (Version.Version). Unavailable,
  // naming the socket, when it does not.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ContainerdStore>> Open(
      const ContainerdStoreOptions& options);
  ~ContainerdStore() override;

  const ContainerdStoreOptions& options() const { return options_; }
  const std::string& server_version() const { return server_version_; }

  std::string Describe() const override;

  ImageStore& images() override { return *this; }
  ContentStore& content() override { return *this; }
  ContainerStore& containers() override { return *this; }
  LeaseStore& leases() override { return *this; }
  SnapshotStore& snapshots() override { return *this; }
  Collector& collector() override { return *this; }

  absl::StatusOr<std::vector<ImageRecord>> ListImages() override;
  absl::StatusOr<ImageRecord> GetImage(std::string_view name) override;
  absl::StatusOr<ImageRecord> CreateImage(const ImageRecord& image) override;
  absl::StatusOr<ImageRecord> UpdateImage(const ImageRecord& image) override;
  absl::Status DeleteImage(std::string_view name) override;

  absl::StatusOr<ContentInfo> Info(const Digest& digest) override;
  absl::StatusOr<std::vector<ContentInfo>> ListContent() override;
  absl::StatusOr<std::string> ReadBlob(const Digest& digest, int64_t max_size) override;
  absl::StatusOr<std::unique_ptr<BlobReader>> OpenBlob(const Digest& digest) override;
  absl::StatusOr<ContentInfo> UpdateContentLabels(const Digest& digest,
                                                  const Labels& changes) override;
  absl::Status DeleteContent(const Digest& digest) override;
  absl::StatusOr<std::unique_ptr<ContentWriter>> Writer(const WriterOptions& options) override;

  absl::StatusOr<ContainerRecord> CreateContainer(const ContainerRecord& container) override;
  absl::StatusOr<std::vector<ContainerRecord>> ListContainers() override;
  absl::StatusOr<ContainerRecord> GetContainer(std::string_view id) override;
  absl::Status DeleteContainer(std::string_view id) override;

  absl::StatusOr<Lease> CreateLease(std::string_view id, const Labels& labels) override;
  absl::StatusOr<std::vector<Lease>> ListLeases() override;
  absl::Status AddLeaseResource(std::string_view lease_id, const LeaseResource& resource) override;
  absl::Status DeleteLease(std::string_view id, bool sync) override;

  // The configured snapshotter's snapshots with their parent, labels and usage.
  absl::StatusOr<std::vector<SnapshotUsage>> ListSnapshots() override;

  absl::StatusOr<CollectResult> Collect() override;
  // The deletions and `options.after_deletions` both run inside the one
  // collection's before/after listings.
  absl::StatusOr<BatchDeleteResult> DeleteImagesAndCollect(
      const std::vector<std::string>& names, const DeleteAndCollectOptions& options) override;

  // Unpacks `target` (a manifest or index whose content is present) into the
  // snapshotter, as containerd's unpack does (store/containerd/unpack.h).
  absl::StatusOr<UnpackResult> Unpack(const Descriptor& target, const UnpackOptions& options);
  // Unpacks many images, `options.parallelism` at a time, under one lease: one
  // result per target, in order. The outer status fails only when the lease
  // or the snapshot listing does.
  absl::StatusOr<std::vector<absl::StatusOr<UnpackResult>>> UnpackAll(
      const std::vector<Descriptor>& targets, const UnpackOptions& options);

 private:
  class GrpcWriter;
  class GrpcReader;
  class Unpacker;  // unpack.cc
  struct Stubs;

  // Runs fn(0) … fn(n-1) on up to `threads` threads (the caller's included).
  // The first error stops the calls not yet started and is returned.
  static absl::Status ParallelFor(size_t n, int threads,
                                  const std::function<absl::Status(size_t)>& fn);

  ContainerdStore(ContainerdStoreOptions options, std::shared_ptr<grpc::Channel> channel);

  // Deadline and namespace (and lease, when given) on a fresh context.
  void Prepare(grpc::ClientContext& ctx, absl::Duration timeout, std::string_view lease = "") const;
  absl::Status Map(const grpc::Status& s, std::string_view what) const;

  // Images.List is one message, which containerd caps (16 MiB: some 50,000
  // records). An answer too large for either side's limit is listed again in
  // 16 parts by the target digest's next hex digit (`target.digest~=` filters),
  // recursively, `prefix` being the digits fixed so far.
  static constexpr size_t kMaxImageListSplitDepth = 6;
  absl::Status ListImagesInto(const std::string& prefix, std::vector<ImageRecord>* out);
  absl::StatusOr<std::vector<SnapshotUsage>> ListSnapshotsImpl(bool usage);
  absl::StatusOr<std::vector<std::string>> ListLeaseIds();
  // Lists, runs `between` (the record deletions), collects once, lists again.
  absl::StatusOr<CollectResult> CollectAround(const std::function<void()>& between);
  absl::Status ReadRange(const Digest& digest, int64_t offset, int64_t size, std::string* out);

  const ContainerdStoreOptions options_;
  const std::string address_;  // "unix:///…"
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stubs> stubs_;
  std::string server_version_;
  std::atomic<uint64_t> collect_seq_{0};
  Mutex collect_mu_;  // one collection (and its diff) at a time
  // Chain IDs being unpacked by this process (Unpack, UnpackAll).
  ChainLocks unpacking_;
};

}  // namespace reclaim

#endif  // RECLAIM_STORE_CONTAINERD_CONTAINERD_STORE_H_
