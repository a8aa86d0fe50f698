// File: imageio/testing/fake_store.h
//
// FakeStore: an in-memory Store for unit tests and the fuzzers. It keeps the
// containerd model (images, content with labels, containers, leases, and
// containerd's collection through gc::Collect) without any durability, passes
// the store role conformance suites (fake_store_test.cc), and can inject
// failures per operation and digest:
//
//   FakeStore store;
//   store.PutBlob(bytes);                               // content without a writer
//   store.set_fault([](std::string_view op, const Digest& d) -> absl::Status {
//     return op == "Info" && d == bad ? absl::InternalError("boom") : absl::OkStatus();
//   });
//
// Operations named in faults: "Info", "ReadBlob", "OpenBlob", "Write", "Commit".
//
// Thread-safety: safe for concurrent use (one mutex).
#ifndef RECLAIM_IMAGEIO_TESTING_FAKE_STORE_H_
#define RECLAIM_IMAGEIO_TESTING_FAKE_STORE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "store/store.h"

namespace reclaim {

class FakeStore final : public Store,
                        public ImageStore,
                        public ContentStore,
                        public ContainerStore,
                        public LeaseStore,
                        public Collector {
 public:
  using FaultFn = std::function<absl::Status(std::string_view op, const Digest& digest)>;

  FakeStore() = default;

  // Stores `bytes` directly (no lease) and returns its digest.
  Digest PutBlob(std::string_view bytes, const Labels& labels = {});
  void set_fault(FaultFn fault) {
    absl::MutexLock l(&mu_);
    fault_ = std::move(fault);
  }
  // Number of writers currently open (tests check none leak).
  int open_writers() const {
    absl::MutexLock l(&mu_);
    return open_writers_;
  }

  std::string Describe() const override { return "fake"; }

  ImageStore& images() override { return *this; }
  ContentStore& content() override { return *this; }
  ContainerStore& containers() override { return *this; }
  LeaseStore& leases() override { return *this; }
  SnapshotStore& snapshots() override { return no_snapshots_; }
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

  // The records one by one, the hook, then one collection.
  absl::StatusOr<BatchDeleteResult> DeleteImagesAndCollect(
      const std::vector<std::string>& names, const DeleteAndCollectOptions& options) override;
  absl::StatusOr<CollectResult> Collect() override;

 private:
  class FakeWriter;
  struct Blob {
    std::shared_ptr<const std::string> bytes;
    ContentInfo info;
  };

  absl::Status Fault(std::string_view op, const Digest& d) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CommitBlob(std::string bytes, const Digest& digest, const Labels& labels,
                          const std::string& lease_id);
  CollectResult CollectLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  FaultFn fault_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ImageRecord, std::less<>> images_ ABSL_GUARDED_BY(mu_);
  std::map<Digest, Blob> blobs_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ContainerRecord, std::less<>> containers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Lease, std::less<>> leases_ ABSL_GUARDED_BY(mu_);
  int open_writers_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t tick_ ABSL_GUARDED_BY(mu_) = 0;
  NoSnapshots no_snapshots_;
};

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_TESTING_FAKE_STORE_H_
