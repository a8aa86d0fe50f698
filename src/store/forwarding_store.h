// File: store/forwarding_store.h
//
// ForwardingStore: a Store that passes every call to another Store. Wrappers
// that watch or alter a few calls (tests counting round trips, hiding a
// generation) derive from it and override only those, so every call they do
// not name, including ones added to Store later, still reaches the base.
//
//   class CountingStore final : public ForwardingStore {
//     using ForwardingStore::ForwardingStore;
//     absl::StatusOr<CollectResult> Collect() override { ++n; return ForwardingStore::Collect(); }
//   };
//
// Thread-safety: as thread-safe as the base store.
#ifndef RECLAIM_STORE_FORWARDING_STORE_H_
#define RECLAIM_STORE_FORWARDING_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace reclaim {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& base) : base_(base) {}

  Store& base() const { return base_; }

  std::string Describe() const override { return base_.Describe(); }

  absl::StatusOr<std::vector<ImageRecord>> ListImages() override { return base_.ListImages(); }
  absl::StatusOr<ImageRecord> GetImage(std::string_view n) override { return base_.GetImage(n); }
  absl::StatusOr<ImageRecord> CreateImage(const ImageRecord& i) override {
    return base_.CreateImage(i);
  }
  absl::StatusOr<ImageRecord> UpdateImage(const ImageRecord& i) override {
    return base_.UpdateImage(i);
  }
  absl::Status DeleteImage(std::string_view n) override { return base_.DeleteImage(n); }

  absl::StatusOr<ContentInfo> Info(const Digest& d) override { return base_.Info(d); }
  absl::StatusOr<std::vector<ContentInfo>> ListContent() override { return base_.ListContent(); }
  absl::StatusOr<std::string> ReadBlob(const Digest& d, int64_t max) override {
    return base_.ReadBlob(d, max);
  }
  absl::StatusOr<std::unique_ptr<BlobReader>> OpenBlob(const Digest& d) override {
    return base_.OpenBlob(d);
  }
  absl::StatusOr<ContentInfo> UpdateContentLabels(const Digest& d, const Labels& l) override {
    return base_.UpdateContentLabels(d, l);
  }
  absl::Status DeleteContent(const Digest& d) override { return base_.DeleteContent(d); }
  absl::StatusOr<std::unique_ptr<ContentWriter>> Writer(const WriterOptions& o) override {
    return base_.Writer(o);
  }

  absl::StatusOr<ContainerRecord> CreateContainer(const ContainerRecord& c) override {
    return base_.CreateContainer(c);
  }
  absl::StatusOr<std::vector<ContainerRecord>> ListContainers() override {
    return base_.ListContainers();
  }
  absl::StatusOr<ContainerRecord> GetContainer(std::string_view id) override {
    return base_.GetContainer(id);
  }
  absl::Status DeleteContainer(std::string_view id) override { return base_.DeleteContainer(id); }

  absl::StatusOr<Lease> CreateLease(std::string_view id, const Labels& l) override {
    return base_.CreateLease(id, l);
  }
  absl::StatusOr<std::vector<Lease>> ListLeases() override { return base_.ListLeases(); }
  absl::Status AddLeaseResource(std::string_view id, const LeaseResource& r) override {
    return base_.AddLeaseResource(id, r);
  }
  absl::Status DeleteLease(std::string_view id, bool sync) override {
    return base_.DeleteLease(id, sync);
  }

  absl::StatusOr<std::vector<SnapshotUsage>> ListSnapshots() override {
    return base_.ListSnapshots();
  }

  absl::StatusOr<BatchDeleteResult> DeleteImagesAndCollect(
      const std::vector<std::string>& names) override {
    return base_.DeleteImagesAndCollect(names);
  }
  absl::StatusOr<CollectResult> Collect() override { return base_.Collect(); }
  absl::StatusOr<BatchDeleteResult> DeleteImagesThenCollect(
      const std::vector<std::string>& names,
      const std::function<void(const std::vector<ImageDeletion>&)>& after_deletions) override {
    return base_.DeleteImagesThenCollect(names, after_deletions);
  }

  absl::StatusOr<uint64_t> RecordsGeneration() override { return base_.RecordsGeneration(); }
  absl::StatusOr<uint64_t> StateGeneration() override { return base_.StateGeneration(); }

 private:
  Store& base_;
};

}  // namespace reclaim

#endif  // RECLAIM_STORE_FORWARDING_STORE_H_
