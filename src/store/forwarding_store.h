// File: store/forwarding_store.h
//
// ForwardingStore: a Store whose roles are another Store's. A wrapper that
// watches or alters one role (tests counting collections, hiding a
// generation) derives from it and overrides only that role's accessor, or a
// generation; every role it does not name still reaches the base.
//
//   class CountingCollector final : public Collector { ... forwards to base ... };
//   class CountingStore final : public ForwardingStore {
//     using ForwardingStore::ForwardingStore;
//     Collector& collector() override { return counting_; }
//   };
//
// ForwardingImageStore and ForwardingContentStore do the same for one role,
// for wrappers that watch a few of its calls.
//
// Thread-safety: as thread-safe as the base store.
#ifndef RECLAIM_STORE_FORWARDING_STORE_H_
#define RECLAIM_STORE_FORWARDING_STORE_H_

#include <cstdint>
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
  ImageStore& images() override { return base_.images(); }
  ContentStore& content() override { return base_.content(); }
  ContainerStore& containers() override { return base_.containers(); }
  LeaseStore& leases() override { return base_.leases(); }
  SnapshotStore& snapshots() override { return base_.snapshots(); }
  Collector& collector() override { return base_.collector(); }
  absl::StatusOr<uint64_t> RecordsGeneration() override { return base_.RecordsGeneration(); }
  absl::StatusOr<uint64_t> StateGeneration() override { return base_.StateGeneration(); }

 private:
  Store& base_;
};

class ForwardingImageStore : public ImageStore {
 public:
  explicit ForwardingImageStore(ImageStore& base) : base_(base) {}
  absl::StatusOr<std::vector<ImageRecord>> ListImages() override { return base_.ListImages(); }
  absl::StatusOr<ImageRecord> GetImage(std::string_view n) override { return base_.GetImage(n); }
  absl::StatusOr<ImageRecord> CreateImage(const ImageRecord& i) override {
    return base_.CreateImage(i);
  }
  absl::StatusOr<ImageRecord> UpdateImage(const ImageRecord& i) override {
    return base_.UpdateImage(i);
  }
  absl::Status DeleteImage(std::string_view n) override { return base_.DeleteImage(n); }

 private:
  ImageStore& base_;
};

class ForwardingContentStore : public ContentStore {
 public:
  explicit ForwardingContentStore(ContentStore& base) : base_(base) {}
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

 private:
  ContentStore& base_;
};

}  // namespace reclaim

#endif  // RECLAIM_STORE_FORWARDING_STORE_H_
