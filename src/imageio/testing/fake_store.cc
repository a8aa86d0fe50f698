#include "imageio/testing/fake_store.h"

#include <algorithm>
#include <set>

#include "absl/time/time.h"
#include "core/digest.h"
#include "core/status.h"
#include "gc/gc.h"

namespace reclaim {
namespace {

class StringBlobReader final : public BlobReader {
 public:
  explicit StringBlobReader(std::shared_ptr<const std::string> bytes) : bytes_(std::move(bytes)) {}
  absl::StatusOr<std::string> Read(size_t n) override {
    const size_t k = std::min(n, bytes_->size() - pos_);
    std::string out = bytes_->substr(pos_, k);
    pos_ += k;
    return out;
  }
  int64_t size() const override { return static_cast<int64_t>(bytes_->size()); }

 private:
  std::shared_ptr<const std::string> bytes_;
  size_t pos_ = 0;
};

}  // namespace

class FakeStore::FakeWriter final : public ContentWriter {
 public:
  FakeWriter(FakeStore* store, WriterOptions options)
      : store_(store), options_(std::move(options)) {}
  ~FakeWriter() override { Abort(); }

  absl::Status Write(std::string_view bytes) override {
    if (done_) return absl::FailedPreconditionError("write after commit or abort");
    {
      absl::MutexLock l(&store_->mu_);
      RECLAIM_RETURN_IF_ERROR(store_->Fault("Write", options_.expected));
    }
    if (options_.expected_size >= 0 &&
        static_cast<int64_t>(data_.size() + bytes.size()) > options_.expected_size) {
      return absl::FailedPreconditionError("write beyond expected size " +
                                           std::to_string(options_.expected_size));
    }
    data_.append(bytes);
    return absl::OkStatus();
  }
  int64_t offset() const override { return static_cast<int64_t>(data_.size()); }

  absl::Status Commit(int64_t expected_size, const Digest& expected,
                      const Labels& labels) override {
    if (done_) return absl::FailedPreconditionError("commit after commit or abort");
    const Digest got = Digest::Sha256Of(data_);
    {
      absl::MutexLock l(&store_->mu_);
      if (absl::Status s = store_->Fault("Commit", got); !s.ok()) {
        Release();
        return s;
      }
    }
    if (expected_size >= 0 && expected_size != static_cast<int64_t>(data_.size())) {
      Release();
      return absl::FailedPreconditionError("unexpected commit size " +
                                           std::to_string(data_.size()) + ", expected " +
                                           std::to_string(expected_size));
    }
    if (expected.valid() && expected != got) {
      Release();
      return absl::FailedPreconditionError("unexpected commit digest " + got.str() + ", expected " +
                                           expected.str());
    }
    absl::Status s = store_->CommitBlob(std::move(data_), got, labels, options_.lease_id);
    Release();
    return s;
  }

  void Abort() override { Release(); }

 private:
  void Release() {
    if (done_) return;
    done_ = true;
    data_.clear();
    absl::MutexLock l(&store_->mu_);
    --store_->open_writers_;
  }

  FakeStore* store_;
  WriterOptions options_;
  std::string data_;
  bool done_ = false;
};

absl::Status FakeStore::Fault(std::string_view op, const Digest& d) const {
  if (!fault_) return absl::OkStatus();
  return fault_(op, d);
}

Digest FakeStore::PutBlob(std::string_view bytes, const Labels& labels) {
  const Digest d = Digest::Sha256Of(bytes);
  (void)CommitBlob(std::string(bytes), d, labels, "");
  return d;
}

absl::Status FakeStore::CommitBlob(std::string bytes, const Digest& digest, const Labels& labels,
                                   const std::string& lease_id) {
  absl::MutexLock l(&mu_);
  const absl::Time now = absl::FromUnixSeconds(++tick_);
  bool existed = false;
  auto it = blobs_.find(digest);
  if (it != blobs_.end()) {
    existed = true;
    for (const auto& [k, v] : labels) it->second.info.labels[k] = v;
  } else {
    Blob b;
    b.info.digest = digest;
    b.info.size = static_cast<int64_t>(bytes.size());
    b.info.labels = labels;
    b.info.created_at = b.info.updated_at = now;
    b.bytes = std::make_shared<const std::string>(std::move(bytes));
    blobs_.emplace(digest, std::move(b));
  }
  if (!lease_id.empty()) {
    auto lease = leases_.find(lease_id);
    if (lease == leases_.end()) return absl::NotFoundError("lease does not exist: not found");
    LeaseResource r{LeaseResourceType::kContent, digest.str(), ""};
    if (std::find(lease->second.resources.begin(), lease->second.resources.end(), r) ==
        lease->second.resources.end()) {
      lease->second.resources.push_back(r);
    }
  }
  if (existed) return absl::AlreadyExistsError("content " + digest.str() + ": already exists");
  return absl::OkStatus();
}

// ---- images

absl::StatusOr<std::vector<ImageRecord>> FakeStore::ListImages() {
  absl::MutexLock l(&mu_);
  std::vector<ImageRecord> out;
  for (const auto& [name, r] : images_) out.push_back(r);
  return out;
}

absl::StatusOr<ImageRecord> FakeStore::GetImage(std::string_view name) {
  absl::MutexLock l(&mu_);
  auto it = images_.find(name);
  if (it == images_.end()) {
    return absl::NotFoundError("image \"" + std::string(name) + "\": not found");
  }
  return it->second;
}

absl::StatusOr<ImageRecord> FakeStore::CreateImage(const ImageRecord& image) {
  absl::MutexLock l(&mu_);
  if (images_.count(image.name) > 0) {
    return absl::AlreadyExistsError("image \"" + image.name + "\": already exists");
  }
  ImageRecord r = image;
  r.created_at = r.updated_at = absl::FromUnixSeconds(++tick_);
  images_[r.name] = r;
  return r;
}

absl::StatusOr<ImageRecord> FakeStore::UpdateImage(const ImageRecord& image) {
  absl::MutexLock l(&mu_);
  auto it = images_.find(image.name);
  if (it == images_.end()) {
    return absl::NotFoundError("image \"" + image.name + "\": not found");
  }
  it->second.target = image.target;
  it->second.labels = image.labels;
  it->second.updated_at = absl::FromUnixSeconds(++tick_);
  return it->second;
}

absl::Status FakeStore::DeleteImage(std::string_view name) {
  absl::MutexLock l(&mu_);
  auto it = images_.find(name);
  if (it == images_.end()) {
    return absl::NotFoundError("image \"" + std::string(name) + "\": not found");
  }
  images_.erase(it);
  return absl::OkStatus();
}

// ---- content

absl::StatusOr<ContentInfo> FakeStore::Info(const Digest& digest) {
  absl::MutexLock l(&mu_);
  RECLAIM_RETURN_IF_ERROR(Fault("Info", digest));
  auto it = blobs_.find(digest);
  if (it == blobs_.end()) return absl::NotFoundError("content " + digest.str() + ": not found");
  return it->second.info;
}

absl::StatusOr<std::vector<ContentInfo>> FakeStore::ListContent() {
  absl::MutexLock l(&mu_);
  std::vector<ContentInfo> out;
  for (const auto& [d, b] : blobs_) out.push_back(b.info);
  return out;
}

absl::StatusOr<std::string> FakeStore::ReadBlob(const Digest& digest, int64_t max_size) {
  absl::MutexLock l(&mu_);
  RECLAIM_RETURN_IF_ERROR(Fault("ReadBlob", digest));
  auto it = blobs_.find(digest);
  if (it == blobs_.end()) return absl::NotFoundError("content " + digest.str() + ": not found");
  if (it->second.info.size > max_size) {
    return absl::ResourceExhaustedError("content " + digest.str() + " is larger than " +
                                        std::to_string(max_size) + " bytes");
  }
  return *it->second.bytes;
}

absl::StatusOr<std::unique_ptr<BlobReader>> FakeStore::OpenBlob(const Digest& digest) {
  absl::MutexLock l(&mu_);
  RECLAIM_RETURN_IF_ERROR(Fault("OpenBlob", digest));
  auto it = blobs_.find(digest);
  if (it == blobs_.end()) return absl::NotFoundError("content " + digest.str() + ": not found");
  return std::unique_ptr<BlobReader>(new StringBlobReader(it->second.bytes));
}

absl::StatusOr<ContentInfo> FakeStore::UpdateContentLabels(const Digest& digest,
                                                           const Labels& changes) {
  absl::MutexLock l(&mu_);
  auto it = blobs_.find(digest);
  if (it == blobs_.end()) return absl::NotFoundError("content " + digest.str() + ": not found");
  for (const auto& [k, v] : changes) {
    if (v.empty()) {
      it->second.info.labels.erase(k);
    } else {
      it->second.info.labels[k] = v;
    }
  }
  it->second.info.updated_at = absl::FromUnixSeconds(++tick_);
  return it->second.info;
}

absl::Status FakeStore::DeleteContent(const Digest& digest) {
  absl::MutexLock l(&mu_);
  if (blobs_.erase(digest) == 0) {
    return absl::NotFoundError("content " + digest.str() + ": not found");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ContentWriter>> FakeStore::Writer(const WriterOptions& options) {
  absl::MutexLock l(&mu_);
  if (!options.lease_id.empty() && leases_.count(options.lease_id) == 0) {
    return absl::NotFoundError("lease does not exist: not found");
  }
  ++open_writers_;
  return std::unique_ptr<ContentWriter>(new FakeWriter(this, options));
}

// ---- containers

absl::StatusOr<ContainerRecord> FakeStore::CreateContainer(const ContainerRecord& container) {
  absl::MutexLock l(&mu_);
  if (containers_.count(container.id) > 0) return absl::AlreadyExistsError("container exists");
  containers_[container.id] = container;
  return container;
}

absl::StatusOr<std::vector<ContainerRecord>> FakeStore::ListContainers() {
  absl::MutexLock l(&mu_);
  std::vector<ContainerRecord> out;
  for (const auto& [id, c] : containers_) out.push_back(c);
  return out;
}

absl::StatusOr<ContainerRecord> FakeStore::GetContainer(std::string_view id) {
  absl::MutexLock l(&mu_);
  auto it = containers_.find(id);
  if (it == containers_.end()) return absl::NotFoundError("container not found");
  return it->second;
}

absl::Status FakeStore::DeleteContainer(std::string_view id) {
  absl::MutexLock l(&mu_);
  auto it = containers_.find(id);
  if (it == containers_.end()) return absl::NotFoundError("container not found");
  containers_.erase(it);
  return absl::OkStatus();
}

// ---- leases

absl::StatusOr<Lease> FakeStore::CreateLease(std::string_view id, const Labels& labels) {
  absl::MutexLock l(&mu_);
  if (leases_.count(id) > 0) {
    return absl::AlreadyExistsError("lease \"" + std::string(id) + "\": already exists");
  }
  Lease lease;
  lease.id = std::string(id);
  lease.labels = labels;
  lease.created_at = absl::FromUnixSeconds(++tick_);
  leases_[lease.id] = lease;
  return lease;
}

absl::StatusOr<std::vector<Lease>> FakeStore::ListLeases() {
  absl::MutexLock l(&mu_);
  std::vector<Lease> out;
  for (const auto& [id, lease] : leases_) out.push_back(lease);
  return out;
}

absl::Status FakeStore::AddLeaseResource(std::string_view lease_id, const LeaseResource& resource) {
  absl::MutexLock l(&mu_);
  auto it = leases_.find(lease_id);
  if (it == leases_.end()) return absl::NotFoundError("lease does not exist: not found");
  if (std::find(it->second.resources.begin(), it->second.resources.end(), resource) ==
      it->second.resources.end()) {
    it->second.resources.push_back(resource);
  }
  return absl::OkStatus();
}

absl::Status FakeStore::DeleteLease(std::string_view id, bool sync) {
  absl::MutexLock l(&mu_);
  auto it = leases_.find(id);
  if (it == leases_.end())
    return absl::NotFoundError("lease \"" + std::string(id) + "\": not found");
  leases_.erase(it);
  if (sync) CollectLocked();
  return absl::OkStatus();
}

// ---- collection

// containerd's rules, through gc::Collect over the fake's records.
CollectResult FakeStore::CollectLocked() {
  gc::GcGraph graph;
  for (const auto& [name, img] : images_) {
    graph.images[name] = gc::ImageRecord{img.target.digest.str(), img.labels};
  }
  for (const auto& [id, c] : containers_) {
    graph.containers[id] = gc::ContainerRecord{c.snapshotter, c.snapshot_key, c.labels};
  }
  for (const auto& [id, lease] : leases_) {
    gc::LeaseRecord record;
    record.labels = lease.labels;
    for (const LeaseResource& r : lease.resources) {
      if (r.type == LeaseResourceType::kContent) {
        record.resources.push_back(gc::ResourceId::Content(r.id));
      }
    }
    graph.leases[id] = std::move(record);
  }
  for (const auto& [d, b] : blobs_) graph.content[d.str()] = gc::ContentRecord{b.info.labels};
  const gc::GcResult gc_result = gc::Collect(graph, absl::Now());

  CollectResult result;
  for (const std::string& key : gc_result.removed_content) {
    absl::StatusOr<Digest> d = Digest::Parse(key);
    if (!d.ok()) continue;
    auto it = blobs_.find(*d);
    if (it == blobs_.end()) continue;
    result.removed_content.push_back(it->second.info);
    blobs_.erase(it);
  }
  for (const std::string& id : gc_result.removed_leases) {
    leases_.erase(id);
    result.removed_leases.push_back(id);
  }
  return result;
}

absl::StatusOr<CollectResult> FakeStore::Collect() {
  absl::MutexLock l(&mu_);
  return CollectLocked();
}

absl::StatusOr<BatchDeleteResult> FakeStore::DeleteImagesAndCollect(
    const std::vector<std::string>& names, const DeleteAndCollectOptions& options) {
  return DeleteEachThenCollect(*this, *this, names, options);
}

}  // namespace reclaim
