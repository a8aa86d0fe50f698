#include "store/containerd/containerd_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <thread>
#include <utility>

#include "core/status.h"
#include "gc/labels.h"
#include "github.com/containerd/containerd/api/services/containers/v1/containers.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/content/v1/content.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/images/v1/images.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/leases/v1/leases.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/snapshots/v1/snapshots.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/version/v1/version.grpc.pb.h"
#include "google/protobuf/empty.pb.h"
#include "grpcpp/grpcpp.h"
#include "store/containerd/convert.h"

namespace reclaim {

absl::Status ContainerdStore::ParallelFor(size_t n, int threads,
                                          const std::function<absl::Status(size_t)>& fn) {
  const size_t count = std::min<size_t>(static_cast<size_t>(std::max(1, threads)), n);
  std::atomic<size_t> next{0};
  std::vector<absl::Status> failures(count);
  auto work = [&](size_t t) {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      absl::Status st = fn(i);
      if (!st.ok()) {
        failures[t] = std::move(st);
        next.store(n);
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < count; ++t) pool.emplace_back(work, t);
  if (count > 0) work(0);
  for (std::thread& th : pool) th.join();
  for (absl::Status& st : failures) RECLAIM_RETURN_IF_ERROR(st);
  return absl::OkStatus();
}

namespace {

namespace conv = containerd_convert;
namespace ctrpb = containerd::services::containers::v1;
namespace contentpb = containerd::services::content::v1;
namespace imagespb = containerd::services::images::v1;
namespace leasespb = containerd::services::leases::v1;
namespace snapspb = containerd::services::snapshots::v1;
namespace versionpb = containerd::services::version::v1;

constexpr size_t kWriteChunk = 1 << 20;  // containerd reads in 1 MiB chunks too

std::chrono::system_clock::time_point Deadline(absl::Duration timeout) {
  return absl::ToChronoTime(absl::Now() + timeout);
}

absl::Status BadDigest(const Digest& d) {
  return d.valid() ? absl::OkStatus() : absl::InvalidArgumentError("a digest is required");
}

}  // namespace

struct ContainerdStore::Stubs {
  std::unique_ptr<imagespb::Images::Stub> images;
  std::unique_ptr<contentpb::Content::Stub> content;
  std::unique_ptr<ctrpb::Containers::Stub> containers;
  std::unique_ptr<leasespb::Leases::Stub> leases;
  std::unique_ptr<snapspb::Snapshots::Stub> snapshots;
  std::unique_ptr<versionpb::Version::Stub> version;
};

// ---------------------------------------------------------------- open

absl::StatusOr<std::unique_ptr<ContainerdStore>> ContainerdStore::Open(
    const ContainerdStoreOptions& options) {
  if (options.socket.empty()) return absl::InvalidArgumentError("containerd socket must be set");
  if (options.ns.empty()) return absl::InvalidArgumentError("containerd namespace must be set");
  std::string path = options.socket;
  if (path.rfind("unix://", 0) == 0) path = path.substr(7);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::UnavailableError("containerd is not reachable at " + path +
                                  ": no such socket (is containerd running?)");
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::UnavailableError("containerd is not reachable at " + path + ": not a socket");
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_receive_bytes);
  // A local daemon that restarts is back within a second: do not back off
  // for minutes (gRPC's default) before trying it again.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  auto channel =
      grpc::CreateCustomChannel("unix://" + path, grpc::InsecureChannelCredentials(), args);
  std::unique_ptr<ContainerdStore> store(new ContainerdStore(options, std::move(channel)));

  grpc::ClientContext ctx;
  store->Prepare(ctx, std::min(options.call_timeout, absl::Seconds(10)));
  google::protobuf::Empty req;
  versionpb::VersionResponse resp;
  RECLAIM_RETURN_IF_ERROR(store->Map(store->stubs_->version->Version(&ctx, req, &resp),
                                     "Version.Version"));
  store->server_version_ = resp.version();
  return store;
}

ContainerdStore::ContainerdStore(ContainerdStoreOptions options,
                                 std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      address_(options_.socket.rfind("unix://", 0) == 0 ? options_.socket.substr(7)
                                                          : options_.socket),
      channel_(std::move(channel)),
      stubs_(std::make_unique<Stubs>()) {
  stubs_->images = imagespb::Images::NewStub(channel_);
  stubs_->content = contentpb::Content::NewStub(channel_);
  stubs_->containers = ctrpb::Containers::NewStub(channel_);
  stubs_->leases = leasespb::Leases::NewStub(channel_);
  stubs_->snapshots = snapspb::Snapshots::NewStub(channel_);
  stubs_->version = versionpb::Version::NewStub(channel_);
}

ContainerdStore::~ContainerdStore() = default;

std::string ContainerdStore::Describe() const {
  return "containerd " + address_ + " (ns " + options_.ns + ")";
}

void ContainerdStore::Prepare(grpc::ClientContext& ctx, absl::Duration timeout,
                              std::string_view lease) const {
  ctx.set_deadline(Deadline(timeout));
  ctx.AddMetadata("containerd-namespace", options_.ns);
  if (!lease.empty()) ctx.AddMetadata("containerd-lease", std::string(lease));
}

absl::Status ContainerdStore::Map(const grpc::Status& s, std::string_view what) const {
  return conv::FromGrpc(s, what, address_);
}

// ---------------------------------------------------------------- images

absl::Status ContainerdStore::ListImagesInto(const std::string& prefix,
                                             std::vector<ImageRecord>* out) {
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  imagespb::ListImagesRequest req;
  if (!prefix.empty()) req.add_filters("target.digest~=\"^sha256:" + prefix + "\"");
  imagespb::ListImagesResponse resp;
  absl::Status status = Map(stubs_->images->List(&ctx, req, &resp), "Images.List");
  if (absl::IsResourceExhausted(status) && prefix.size() < kMaxImageListSplitDepth) {
    // Too large for one message (either side's limit): list each part of the
    // digest space alone.
    for (const char c : std::string_view("0123456789abcdef")) {
      RECLAIM_RETURN_IF_ERROR(ListImagesInto(prefix + c, out));
    }
    return absl::OkStatus();
  }
  RECLAIM_RETURN_IF_ERROR(status);
  out->reserve(out->size() + static_cast<size_t>(resp.images_size()));
  for (const auto& image : resp.images()) {
    // A record reclaim cannot represent (a non-sha256 target) is not listed.
    absl::StatusOr<ImageRecord> r = conv::FromProto(image);
    if (r.ok()) out->push_back(*std::move(r));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ImageRecord>> ContainerdStore::ListImages() {
  std::vector<ImageRecord> out;
  RECLAIM_RETURN_IF_ERROR(ListImagesInto("", &out));
  std::sort(out.begin(), out.end(),
            [](const ImageRecord& a, const ImageRecord& b) { return a.name < b.name; });
  return out;
}

absl::StatusOr<ImageRecord> ContainerdStore::GetImage(std::string_view name) {
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  imagespb::GetImageRequest req;
  req.set_name(std::string(name));
  imagespb::GetImageResponse resp;
  RECLAIM_RETURN_IF_ERROR(Map(stubs_->images->Get(&ctx, req, &resp), "Images.Get"));
  return conv::FromProto(resp.image());
}

absl::StatusOr<ImageRecord> ContainerdStore::CreateImage(const ImageRecord& image) {
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  imagespb::CreateImageRequest req;
  conv::ToProto(image, req.mutable_image());
  imagespb::CreateImageResponse resp;
  RECLAIM_RETURN_IF_ERROR(Map(stubs_->images->Create(&ctx, req, &resp), "Images.Create"));
  return conv::FromProto(resp.image());
}

absl::StatusOr<ImageRecord> ContainerdStore::UpdateImage(const ImageRecord& image) {
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  imagespb::UpdateImageRequest req;
  conv::ToProto(image, req.mutable_image());
  // Without a mask containerd replaces target and labels and keeps created_at.
  imagespb::UpdateImageResponse resp;
  RECLAIM_RETURN_IF_ERROR(Map(stubs_->images->Update(&ctx, req, &resp), "Images.Update"));
  return conv::FromProto(resp.image());
}

absl::Status ContainerdStore::DeleteImage(std::string_view name) {
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  imagespb::DeleteImageRequest req;
  req.set_name(std::string(name));
  req.set_sync(false);
  google::protobuf::Empty resp;
  return Map(stubs_->images->Delete(&ctx, req, &resp), "Images.Delete");
}

// ---------------------------------------------------------------- content

absl::StatusOr<ContentInfo> ContainerdStore::Info(const Digest& digest) {
  RECLAIM_RETURN_IF_ERROR(BadDigest(digest));
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  contentpb::InfoRequest req;
  req.set_digest(digest.str());
  contentpb::InfoResponse resp;
  RECLAIM_RETURN_IF_ERROR(Map(stubs_->content->Info(&ctx, req, &resp), "Content.Info"));
  return conv::FromProto(resp.info());
}

absl::StatusOr<std::vector<ContentInfo>> ContainerdStore::ListContent() {
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  contentpb::ListContentRequest req;
  auto stream = stubs_->content->List(&ctx, req);
  std::vector<ContentInfo> out;
  contentpb::ListContentResponse resp;
  while (stream->Read(&resp)) {
    for (const auto& info : resp.info()) {
      absl::StatusOr<ContentInfo> c = conv::FromProto(info);
      if (c.ok()) out.push_back(*std::move(c));  // non-sha256 blobs are not listed
    }
  }
  RECLAIM_RETURN_IF_ERROR(Map(stream->Finish(), "Content.List"));
  std::sort(out.begin(), out.end(),
            [](const ContentInfo& a, const ContentInfo& b) { return a.digest < b.digest; });
  return out;
}

absl::Status ContainerdStore::ReadRange(const Digest& digest, int64_t offset, int64_t size,
                                        std::string* out) {
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  contentpb::ReadContentRequest req;
  req.set_digest(digest.str());
  req.set_offset(offset);
  req.set_size(size);
  auto stream = stubs_->content->Read(&ctx, req);
  contentpb::ReadContentResponse resp;
  int64_t at = 0;  // containerd numbers the chunks from the requested offset
  while (stream->Read(&resp)) {
    if (resp.offset() != at) {
      ctx.TryCancel();
      (void)stream->Finish();
      return absl::DataLossError("Content.Read " + digest.str() + ": chunk at offset " +
                                 std::to_string(offset + resp.offset()) + ", expected " +
                                 std::to_string(offset + at));
    }
    out->append(resp.data());
    at += static_cast<int64_t>(resp.data().size());
  }
  return Map(stream->Finish(), "Content.Read");
}

absl::StatusOr<std::string> ContainerdStore::ReadBlob(const Digest& digest, int64_t max_size) {
  // One Read, no Info first: containerd clamps a size past the end to the
  // blob, so asking for one byte more than allowed tells a blob that is too
  // large without reading it all.
  std::string out;
  const int64_t ask = max_size < std::numeric_limits<int64_t>::max() ? max_size + 1 : max_size;
  RECLAIM_RETURN_IF_ERROR(ReadRange(digest, 0, ask, &out));
  if (static_cast<int64_t>(out.size()) > max_size) {
    return absl::ResourceExhaustedError("blob " + digest.str() + " is more than " +
                                        std::to_string(max_size) + " bytes");
  }
  return out;
}

class ContainerdStore::GrpcReader final : public BlobReader {
 public:
  GrpcReader(ContainerdStore* store, Digest digest, int64_t size)
      : store_(store), digest_(std::move(digest)), size_(size) {}

  absl::StatusOr<std::string> Read(size_t n) override {
    std::string out;
    if (offset_ >= size_ || n == 0) return out;
    const int64_t want = std::min<int64_t>(static_cast<int64_t>(n), size_ - offset_);
    RECLAIM_RETURN_IF_ERROR(store_->ReadRange(digest_, offset_, want, &out));
    if (out.empty()) {
      return absl::DataLossError("blob " + digest_.str() + " ended at " +
                                 std::to_string(offset_) + " of " + std::to_string(size_));
    }
    offset_ += static_cast<int64_t>(out.size());
    return out;
  }
  int64_t size() const override { return size_; }

 private:
  ContainerdStore* const store_;
  const Digest digest_;
  const int64_t size_;
  int64_t offset_ = 0;
};

absl::StatusOr<std::unique_ptr<BlobReader>> ContainerdStore::OpenBlob(const Digest& digest) {
  RECLAIM_ASSIGN_OR_RETURN(ContentInfo info, Info(digest));
  return std::make_unique<GrpcReader>(this, digest, info.size);
}

absl::StatusOr<ContentInfo> ContainerdStore::UpdateContentLabels(const Digest& digest,
                                                                 const Labels& changes) {
  if (changes.empty()) return Info(digest);
  RECLAIM_RETURN_IF_ERROR(BadDigest(digest));
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  contentpb::UpdateRequest req;
  req.mutable_info()->set_digest(digest.str());
  for (const auto& [k, v] : changes) {
    if (!v.empty()) (*req.mutable_info()->mutable_labels())[k] = v;
  }
  for (const std::string& p : conv::LabelPaths(changes)) req.mutable_update_mask()->add_paths(p);
  contentpb::UpdateResponse resp;
  RECLAIM_RETURN_IF_ERROR(Map(stubs_->content->Update(&ctx, req, &resp), "Content.Update"));
  return conv::FromProto(resp.info());
}

absl::Status ContainerdStore::DeleteContent(const Digest& digest) {
  RECLAIM_RETURN_IF_ERROR(BadDigest(digest));
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  contentpb::DeleteContentRequest req;
  req.set_digest(digest.str());
  google::protobuf::Empty resp;
  return Map(stubs_->content->Delete(&ctx, req, &resp), "Content.Delete");
}

// One Content.Write stream per writer, open from Writer() to Commit/Abort.
// Size and digest are checked here before the commit is sent, so a mismatch
// is FailedPrecondition with the same words as the embedded store's.
class ContainerdStore::GrpcWriter final : public ContentWriter {
 public:
  GrpcWriter(ContainerdStore* store, WriterOptions options)
      : store_(store), options_(std::move(options)) {}
  ~GrpcWriter() override { Abort(); }

  // Opens the stream and asks for the ingest's status; errors such as an
  // unknown lease surface here.
  absl::Status Start() {
    store_->Prepare(ctx_, store_->options_.stream_timeout, options_.lease_id);
    stream_ = store_->stubs_->content->Write(&ctx_);
    contentpb::WriteContentRequest req;
    req.set_action(contentpb::STAT);
    req.set_ref(options_.ref);
    if (options_.expected_size > 0) req.set_total(options_.expected_size);
    return Exchange(req, "Content.Write");
  }

  absl::Status Write(std::string_view bytes) override {
    if (done_) return absl::FailedPreconditionError("write after commit or abort");
    if (options_.expected_size >= 0 &&
        offset_ + static_cast<int64_t>(bytes.size()) > options_.expected_size) {
      return absl::FailedPreconditionError(
          "write beyond expected size " + std::to_string(options_.expected_size) + " of " +
          (options_.expected.valid() ? options_.expected.str() : options_.ref));
    }
    while (!bytes.empty()) {
      const std::string_view chunk = bytes.substr(0, kWriteChunk);
      contentpb::WriteContentRequest req;
      req.set_action(contentpb::WRITE);
      // Offset 0 truncates whatever an earlier writer left under this ref.
      req.set_offset(offset_);
      req.set_data(chunk.data(), chunk.size());
      absl::Status s = Exchange(req, "Content.Write");
      if (!s.ok()) {
        Abort();
        return s;
      }
      hash_.Update(chunk);
      offset_ += static_cast<int64_t>(chunk.size());
      bytes.remove_prefix(chunk.size());
    }
    return absl::OkStatus();
  }

  int64_t offset() const override { return offset_; }

  absl::Status Commit(int64_t expected_size, const Digest& expected,
                      const Labels& labels) override {
    if (done_) return absl::FailedPreconditionError("commit after commit or abort");
    const Digest got = hash_.Finish();
    if (absl::Status bad = CheckCommit(expected_size, offset_, expected, got); !bad.ok()) {
      Abort();
      return bad;
    }
    contentpb::WriteContentRequest req;
    req.set_action(contentpb::COMMIT);
    req.set_offset(offset_);
    req.set_total(offset_);
    req.set_expected(got.str());
    conv::ToProto(labels, req.mutable_labels());
    absl::Status s = Exchange(req, "Content.Write");
    if (s.ok()) {
      stream_->WritesDone();
      // containerd sends the commit answer twice (once more as it returns);
      // Finish needs every incoming message read first.
      contentpb::WriteContentResponse extra;
      while (stream_->Read(&extra)) {
      }
      s = store_->Map(stream_->Finish(), "Content.Write");
      stream_.reset();
    }
    if (s.ok()) {
      done_ = true;
      return s;
    }
    Abort();
    if (!absl::IsAlreadyExists(s)) return s;
    // Already present: containerd discarded the write. Merge the labels and
    // attach the blob to the lease, as a fresh commit would have.
    if (!labels.empty()) RECLAIM_RETURN_IF_ERROR(store_->UpdateContentLabels(got, labels).status());
    if (!options_.lease_id.empty()) {
      RECLAIM_RETURN_IF_ERROR(store_->AddLeaseResource(
          options_.lease_id, LeaseResource{LeaseResourceType::kContent, got.str(), ""}));
    }
    return absl::AlreadyExistsError("content " + got.str() + ": already exists");
  }

  void Abort() override {
    if (done_) return;
    done_ = true;
    if (stream_ != nullptr) {
      ctx_.TryCancel();
      (void)stream_->Finish();
      stream_.reset();
    }
    grpc::ClientContext ctx;
    store_->Prepare(ctx, store_->options_.call_timeout, options_.lease_id);
    contentpb::AbortRequest req;
    req.set_ref(options_.ref);
    google::protobuf::Empty resp;
    (void)store_->stubs_->content->Abort(&ctx, req, &resp);  // NotFound after a failed commit
  }

 private:
  // Sends one request and reads its answer; on a closed stream returns the
  // stream's final status.
  absl::Status Exchange(const contentpb::WriteContentRequest& req, std::string_view what) {
    if (stream_ == nullptr) return absl::FailedPreconditionError("content write stream is closed");
    contentpb::WriteContentResponse resp;
    if (stream_->Write(req) && stream_->Read(&resp)) {
      if (req.action() != contentpb::STAT &&
          resp.offset() != req.offset() + static_cast<int64_t>(req.data().size())) {
        return absl::DataLossError("Content.Write " + options_.ref + ": containerd is at offset " +
                                   std::to_string(resp.offset()) + ", expected " +
                                   std::to_string(req.offset() + req.data().size()));
      }
      return absl::OkStatus();
    }
    absl::Status s = store_->Map(stream_->Finish(), what);
    stream_.reset();
    if (s.ok()) s = absl::UnknownError("containerd closed the content write stream");
    return s;
  }

  ContainerdStore* const store_;
  const WriterOptions options_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<contentpb::WriteContentRequest,
                                           contentpb::WriteContentResponse>>
      stream_;
  Sha256 hash_;
  int64_t offset_ = 0;
  bool done_ = false;
};

absl::StatusOr<std::unique_ptr<ContentWriter>> ContainerdStore::Writer(
    const WriterOptions& options) {
  if (options.ref.empty()) return absl::InvalidArgumentError("a writer needs a ref");
  auto w = std::make_unique<GrpcWriter>(this, options);
  absl::Status s = w->Start();
  if (!s.ok()) {
    w->Abort();
    return s;
  }
  return w;
}

// ---------------------------------------------------------------- containers

absl::StatusOr<ContainerRecord> ContainerdStore::CreateContainer(const ContainerRecord& container) {
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  ctrpb::CreateContainerRequest req;
  conv::ToProto(container, options_.runtime, options_.snapshotter, req.mutable_container());
  ctrpb::CreateContainerResponse resp;
  RECLAIM_RETURN_IF_ERROR(Map(stubs_->containers->Create(&ctx, req, &resp), "Containers.Create"));
  return conv::FromProto(resp.container());
}

absl::StatusOr<std::vector<ContainerRecord>> ContainerdStore::ListContainers() {
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  ctrpb::ListContainersRequest req;
  auto stream = stubs_->containers->ListStream(&ctx, req);  // no message-size ceiling
  std::vector<ContainerRecord> out;
  ctrpb::ListContainerMessage msg;
  while (stream->Read(&msg)) out.push_back(conv::FromProto(msg.container()));
  RECLAIM_RETURN_IF_ERROR(Map(stream->Finish(), "Containers.ListStream"));
  std::sort(out.begin(), out.end(),
            [](const ContainerRecord& a, const ContainerRecord& b) { return a.id < b.id; });
  return out;
}

absl::StatusOr<ContainerRecord> ContainerdStore::GetContainer(std::string_view id) {
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  ctrpb::GetContainerRequest req;
  req.set_id(std::string(id));
  ctrpb::GetContainerResponse resp;
  RECLAIM_RETURN_IF_ERROR(Map(stubs_->containers->Get(&ctx, req, &resp), "Containers.Get"));
  return conv::FromProto(resp.container());
}

absl::Status ContainerdStore::DeleteContainer(std::string_view id) {
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  ctrpb::DeleteContainerRequest req;
  req.set_id(std::string(id));
  google::protobuf::Empty resp;
  return Map(stubs_->containers->Delete(&ctx, req, &resp), "Containers.Delete");
}

// ---------------------------------------------------------------- leases

absl::StatusOr<Lease> ContainerdStore::CreateLease(std::string_view id, const Labels& labels) {
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  leasespb::CreateRequest req;
  req.set_id(std::string(id));
  conv::ToProto(labels, req.mutable_labels());
  leasespb::CreateResponse resp;
  RECLAIM_RETURN_IF_ERROR(Map(stubs_->leases->Create(&ctx, req, &resp), "Leases.Create"));
  Lease out;
  out.id = resp.lease().id();
  out.labels = conv::FromProto(resp.lease().labels());
  out.created_at = conv::FromProto(resp.lease().created_at());
  return out;
}

absl::StatusOr<std::vector<Lease>> ContainerdStore::ListLeases() {
  leasespb::ListResponse list;
  {
    grpc::ClientContext ctx;
    Prepare(ctx, options_.call_timeout);
    leasespb::ListRequest req;
    RECLAIM_RETURN_IF_ERROR(Map(stubs_->leases->List(&ctx, req, &list), "Leases.List"));
  }
  std::vector<Lease> out;
  out.reserve(list.leases_size());
  for (const auto& l : list.leases()) {
    Lease lease;
    lease.id = l.id();
    lease.labels = conv::FromProto(l.labels());
    lease.created_at = conv::FromProto(l.created_at());
    grpc::ClientContext ctx;
    Prepare(ctx, options_.call_timeout);
    leasespb::ListResourcesRequest req;
    req.set_id(l.id());
    leasespb::ListResourcesResponse resources;
    absl::Status s = Map(stubs_->leases->ListResources(&ctx, req, &resources),
                         "Leases.ListResources");
    if (absl::IsNotFound(s)) continue;  // deleted since the list
    RECLAIM_RETURN_IF_ERROR(s);
    for (const auto& r : resources.resources()) {
      if (auto res = conv::FromProto(r); res.has_value()) lease.resources.push_back(*res);
    }
    out.push_back(std::move(lease));
  }
  std::sort(out.begin(), out.end(), [](const Lease& a, const Lease& b) { return a.id < b.id; });
  return out;
}

absl::Status ContainerdStore::AddLeaseResource(std::string_view lease_id,
                                               const LeaseResource& resource) {
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  leasespb::AddResourceRequest req;
  req.set_id(std::string(lease_id));
  req.mutable_resource()->set_id(resource.id);
  req.mutable_resource()->set_type(conv::ResourceType(resource, options_.snapshotter));
  google::protobuf::Empty resp;
  return Map(stubs_->leases->AddResource(&ctx, req, &resp), "Leases.AddResource");
}

absl::Status ContainerdStore::DeleteLease(std::string_view id, bool sync) {
  grpc::ClientContext ctx;
  Prepare(ctx, sync ? options_.collect_timeout : options_.call_timeout);
  leasespb::DeleteRequest req;
  req.set_id(std::string(id));
  req.set_sync(sync);
  google::protobuf::Empty resp;
  return Map(stubs_->leases->Delete(&ctx, req, &resp), "Leases.Delete");
}

absl::StatusOr<std::vector<std::string>> ContainerdStore::ListLeaseIds() {
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  leasespb::ListRequest req;
  leasespb::ListResponse resp;
  RECLAIM_RETURN_IF_ERROR(Map(stubs_->leases->List(&ctx, req, &resp), "Leases.List"));
  std::vector<std::string> out;
  for (const auto& l : resp.leases()) out.push_back(l.id());
  return out;
}

// ---------------------------------------------------------------- snapshots

absl::StatusOr<std::vector<SnapshotUsage>> ContainerdStore::ListSnapshotsImpl(bool usage) {
  std::vector<SnapshotUsage> out;
  {
    grpc::ClientContext ctx;
    Prepare(ctx, options_.call_timeout);
    snapspb::ListSnapshotsRequest req;
    req.set_snapshotter(options_.snapshotter);
    auto stream = stubs_->snapshots->List(&ctx, req);
    snapspb::ListSnapshotsResponse resp;
    while (stream->Read(&resp)) {
      for (const auto& info : resp.info()) {
        SnapshotUsage s;
        s.snapshotter = options_.snapshotter;
        s.key = info.name();
        s.parent = info.parent();
        s.labels = conv::FromProto(info.labels());
        out.push_back(std::move(s));
      }
    }
    RECLAIM_RETURN_IF_ERROR(Map(stream->Finish(), "Snapshots.List"));
  }
  std::sort(out.begin(), out.end(),
            [](const SnapshotUsage& a, const SnapshotUsage& b) { return a.key < b.key; });
  if (!usage) return out;
  // One Usage call per snapshot (the API has no bulk form), spread over a few
  // threads: each call waits on the daemon walking the snapshot's directory.
  RECLAIM_RETURN_IF_ERROR(ParallelFor(out.size(), options_.call_parallelism, [&](size_t i) {
    SnapshotUsage& s = out[i];
    grpc::ClientContext ctx;
    Prepare(ctx, options_.call_timeout);
    snapspb::UsageRequest req;
    req.set_snapshotter(options_.snapshotter);
    req.set_key(s.key);
    snapspb::UsageResponse resp;
    absl::Status st = Map(stubs_->snapshots->Usage(&ctx, req, &resp), "Snapshots.Usage");
    if (absl::IsNotFound(st)) return absl::OkStatus();  // removed since the list: size 0
    RECLAIM_RETURN_IF_ERROR(st);
    s.size = resp.size();
    s.inodes = resp.inodes();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<SnapshotUsage>> ContainerdStore::ListSnapshots() {
  return ListSnapshotsImpl(/*usage=*/true);
}

// ---------------------------------------------------------------- collection

absl::StatusOr<CollectResult> ContainerdStore::CollectAround(const std::function<void()>& between) {
  MutexLock lock(&collect_mu_);
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContentInfo> content_before, ListContent());
  RECLAIM_ASSIGN_OR_RETURN(std::vector<SnapshotUsage> snaps_before,
                           ListSnapshotsImpl(options_.snapshot_usage_in_collect));
  RECLAIM_ASSIGN_OR_RETURN(std::vector<std::string> leases_before, ListLeaseIds());

  between();

  // One synchronous collection: containerd's GC scheduler serves a sync
  // waiter with a GC that starts after the request, so it sees every delete
  // made above. The lease expires by itself should we die before deleting it.
  const absl::Time start = absl::Now();
  const std::string lease = "reclaim-collect-" + std::to_string(::getpid()) + "-" +
                            std::to_string(collect_seq_.fetch_add(1)) + "-" +
                            std::to_string(absl::ToUnixNanos(start));
  RECLAIM_RETURN_IF_ERROR(
      CreateLease(lease, {{std::string(gc::kLabelExpire),
                           absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", start + absl::Hours(1),
                                            absl::UTCTimeZone())}})
          .status());
  RECLAIM_RETURN_IF_ERROR(Annotate(DeleteLease(lease, /*sync=*/true), "collect"));
  const absl::Duration took = absl::Now() - start;

  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContentInfo> content_after, ListContent());
  RECLAIM_ASSIGN_OR_RETURN(std::vector<SnapshotUsage> snaps_after, ListSnapshotsImpl(false));
  RECLAIM_ASSIGN_OR_RETURN(std::vector<std::string> leases_after, ListLeaseIds());
  CollectResult out = conv::Diff(content_before, content_after, snaps_before, snaps_after,
                                 leases_before, leases_after, lease);
  out.duration = took;
  return out;
}

absl::StatusOr<CollectResult> ContainerdStore::Collect() {
  return CollectAround([] {});
}

absl::StatusOr<BatchDeleteResult> ContainerdStore::DeleteImagesAndCollect(
    const std::vector<std::string>& names, const DeleteAndCollectOptions& options) {
  BatchDeleteResult result;
  result.deletions.reserve(names.size());
  // One at a time: each Images.Delete is a metadata transaction that containerd
  // serialises (measured: deleting on 4 threads gained nothing).
  RECLAIM_ASSIGN_OR_RETURN(result.collected, CollectAround([&] {
                             for (const std::string& name : names) {
                               result.deletions.push_back(ImageDeletion{name, DeleteImage(name)});
                             }
                             if (options.after_deletions) {
                               options.after_deletions(result.deletions);
                             }
                           }));
  return result;
}

}  // namespace reclaim
