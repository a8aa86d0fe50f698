// ContainerdStore::Unpack / UnpackAll and their parts (unpack.h). The shape of
// each step, its error texts and its labels follow containerd 1.6.20's
// client image.Unpack, rootfs/apply.go and unpacker.go.
#include "store/containerd/unpack.h"

#include <unistd.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <random>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "core/media_types.h"
#include "core/status.h"
#include "gc/labels.h"
#include "core/timestamp.h"
#include "github.com/containerd/containerd/api/services/diff/v1/diff.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/snapshots/v1/snapshots.grpc.pb.h"
#include "google/protobuf/empty.pb.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "platform/clock.h"
#include "store/containerd/containerd_store.h"
#include "store/containerd/convert.h"

namespace reclaim {
namespace {

namespace conv = containerd_convert;
namespace diffpb = containerd::services::diff::v1;
namespace snapspb = containerd::services::snapshots::v1;
using namespace media_types;  // NOLINT

// Manifests, indexes and configs are read whole; larger ones are refused.
constexpr int64_t kMaxMetadataBlob = 64 << 20;
// A Prepare whose random key collides is tried again with another, as
// containerd's unpacker does.
constexpr int kPrepareTries = 3;

uint64_t RandomBits() {
  thread_local std::mt19937_64 gen(std::random_device{}());
  return gen();
}

bool IsManifestType(std::string_view mt) { return mt == kDockerManifest || mt == kOciManifest; }
bool IsIndexType(std::string_view mt) { return mt == kDockerManifestList || mt == kOciIndex; }

// Go's encoding/json: an exact key, else the first case-insensitive one.
const nlohmann::json* Field(const nlohmann::json& obj, std::string_view name) {
  if (!obj.is_object()) return nullptr;
  if (auto it = obj.find(name); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (absl::EqualsIgnoreCase(it.key(), absl::string_view(name.data(), name.size()))) return &*it;
  }
  return nullptr;
}

// An image config's os/architecture/variant and rootfs.diff_ids.
struct ImageConfig {
  Platform platform;
  std::vector<Digest> diff_ids;
};

absl::StatusOr<ImageConfig> ParseConfig(const Digest& digest, std::string_view bytes) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError("image config " + digest.str() + ": " + std::string(why));
  };
  absl::StatusOr<nlohmann::json> json = ParseJson(bytes);
  if (!json.ok()) return bad(std::string(json.status().message()));
  if (!json->is_object()) return bad("not a JSON object");
  ImageConfig c;
  auto str = [&](std::string_view key, std::string* out) {
    if (const nlohmann::json* v = Field(*json, key); v != nullptr && v->is_string()) {
      *out = v->get<std::string>();
    }
  };
  str("os", &c.platform.os);
  str("architecture", &c.platform.architecture);
  str("variant", &c.platform.variant);
  const nlohmann::json* rootfs = Field(*json, "rootfs");
  const nlohmann::json* ids = rootfs == nullptr ? nullptr : Field(*rootfs, "diff_ids");
  if (ids == nullptr || ids->is_null()) return c;
  if (!ids->is_array()) return bad("rootfs.diff_ids is not an array");
  for (size_t i = 0; i < ids->size(); ++i) {
    const nlohmann::json& id = (*ids)[i];
    absl::StatusOr<Digest> d = id.is_string() ? Digest::Parse(id.get<std::string>())
                                              : absl::InvalidArgumentError("not a string");
    if (!d.ok())
      return bad("rootfs.diff_ids[" + std::to_string(i) +
                 "]: " + std::string(d.status().message()));
    c.diff_ids.push_back(*std::move(d));
  }
  return c;
}

Platform AsIs(Platform p) { return p; }

}  // namespace

// ---------------------------------------------------------------- pure parts

std::vector<Platform> HostUnpackPlatforms() {
  auto linux = [](std::string arch, std::string variant = "") {
    Platform p;
    p.os = "linux";
    p.architecture = std::move(arch);
    p.variant = std::move(variant);
    return p;
  };
#if defined(__aarch64__)
  return {linux("arm64"), linux("arm", "v8"), linux("arm", "v7"), linux("arm", "v6"),
          linux("arm", "v5")};
#else
  return {linux("amd64"), linux("386")};
#endif
}

int PlatformRank(const Platform& p, const std::vector<Platform>& ordered,
                 const std::function<Platform(Platform)>& normalize) {
  const auto& norm = normalize ? normalize : AsIs;
  const Platform have = norm(p);
  for (size_t i = 0; i < ordered.size(); ++i) {
    const Platform want = norm(ordered[i]);
    if (have.os == want.os && have.architecture == want.architecture &&
        have.variant == want.variant) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

std::vector<std::string> ChainIds(const std::vector<Digest>& diff_ids) {
  std::vector<std::string> out;
  out.reserve(diff_ids.size());
  for (const Digest& d : diff_ids) {
    out.push_back(out.empty() ? d.str() : Digest::Sha256Of(out.back() + " " + d.str()).str());
  }
  return out;
}

std::string ExtractionKey(absl::Time now, const std::string& chain_id) {
  const int64_t nanos = absl::ToUnixNanos(now) % 1000000000;
  const uint64_t r = RandomBits();
  const char bytes[3] = {static_cast<char>(r), static_cast<char>(r >> 8),
                         static_cast<char>(r >> 16)};
  return std::string(kUnpackKeyPrefix) + std::to_string(nanos < 0 ? -nanos : nanos) + "-" +
         absl::WebSafeBase64Escape(absl::string_view(bytes, 3)) + " " + chain_id;
}

size_t UnpackResult::applied_layers() const {
  return static_cast<size_t>(std::count_if(layers.begin(), layers.end(),
                                           [](const UnpackedLayer& l) { return l.applied; }));
}

ChainLocks::Held ChainLocks::Lock(const std::string& key) {
  std::unique_lock<std::mutex> lock(mu_);
  bool waited = false;
  while (held_.contains(key)) {
    waited = true;
    released_.wait(lock);
  }
  held_.insert(key);
  return Held(this, key, waited);
}

ChainLocks::Held::~Held() {
  if (locks_ == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(locks_->mu_);
    locks_->held_.erase(key_);
  }
  locks_->released_.notify_all();
}

// ---------------------------------------------------------------- the unpacker

// One Unpack or UnpackAll call: its lease, its snapshotter, and the chain IDs
// it knows to be committed (listed up front, or committed by its own images).
class ContainerdStore::Unpacker {
 public:
  Unpacker(ContainerdStore& store, const UnpackOptions& options)
      : store_(store),
        options_(options),
        clock_(options.clock != nullptr ? *options.clock : RealClock()),
        snapshotter_(options.snapshotter.empty() ? store.options_.snapshotter
                                                 : options.snapshotter),
        snapshots_(snapspb::Snapshots::NewStub(store.channel_)),
        diff_(diffpb::Diff::NewStub(store.channel_)),
        lease_(options.lease_id) {}

  ~Unpacker() {
    // The temporary lease goes, whatever happened; no synchronous collection
    // (containerd's WithLease done function does the same).
    if (own_lease_) (void)store_.DeleteLease(lease_, /*sync=*/false);
  }

  absl::Status Begin(bool list_committed) {
    if (lease_.empty()) {
      static constexpr char kHex[] = "0123456789abcdef";
      const uint64_t r = RandomBits();
      std::string id = "reclaim-unpack-";
      for (int shift = 60; shift >= 0; shift -= 4) id += kHex[(r >> shift) & 0xF];
      RECLAIM_RETURN_IF_ERROR(
          store_
              .CreateLease(id, {{std::string(gc::kLabelExpire),
                                 FormatRfc3339Nano(clock_.Now() + options_.lease_expiry)}})
              .status());
      lease_ = std::move(id);
      own_lease_ = true;
    }
    if (list_committed) {
      listed_ = true;
      RECLAIM_RETURN_IF_ERROR(ListCommitted());
    }
    return absl::OkStatus();
  }

  absl::StatusOr<UnpackResult> One(const Descriptor& target) {
    UnpackResult r;
    r.snapshotter = snapshotter_;
    RECLAIM_ASSIGN_OR_RETURN(Manifest manifest, ResolveManifest(target, &r.manifest));
    r.config = manifest.config.digest;
    RECLAIM_ASSIGN_OR_RETURN(std::string config_bytes, ReadMetadata(manifest.config.digest));
    RECLAIM_ASSIGN_OR_RETURN(ImageConfig config, ParseConfig(r.config, config_bytes));
    if (config.diff_ids.size() != manifest.layers.size()) {
      return absl::InvalidArgumentError("image " + target.digest.str() +
                                        ": mismatched image rootfs and manifest layers (" +
                                        std::to_string(config.diff_ids.size()) + " diff IDs, " +
                                        std::to_string(manifest.layers.size()) + " layers)");
    }
    const std::vector<std::string> chain = ChainIds(config.diff_ids);
    for (size_t i = 0; i < chain.size(); ++i) {
      r.layers.push_back(UnpackedLayer{manifest.layers[i], config.diff_ids[i], chain[i]});
    }
    if (chain.empty()) return r;  // nothing to unpack, no rootfs to point at
    r.chain_id = chain.back();

    // Stat the top first: a committed snapshot's parents always exist, so an
    // image already unpacked costs one call.
    bool all_there = IsKnown(r.chain_id);
    if (!all_there && !listed_) {
      RECLAIM_ASSIGN_OR_RETURN(all_there, StatCommitted(r.chain_id));
    }
    if (!all_there) {
      bool parent_gone = false;
      absl::Status s = ApplyLayers(r, /*stat_each=*/false, &parent_gone);
      if (parent_gone) {
        // A snapshot we took as present was collected meanwhile: look at
        // every layer again, as containerd's applyLayers falls back to the
        // layers below.
        for (const UnpackedLayer& l : r.layers) Forget(l.chain_id);
        s = ApplyLayers(r, /*stat_each=*/true, &parent_gone);
      }
      RECLAIM_RETURN_IF_ERROR(s);
    }
    r.applied_bytes = 0;
    for (const UnpackedLayer& l : r.layers) r.applied_bytes += l.applied_bytes;
    RECLAIM_RETURN_IF_ERROR(LabelConfig(r));
    return r;
  }

 private:
  void Context(grpc::ClientContext& ctx, absl::Duration timeout, bool leased) const {
    store_.Prepare(ctx, timeout, leased ? lease_ : std::string_view());
  }

  bool IsKnown(const std::string& chain_id) {
    MutexLock lock(&mu_);
    return committed_.contains(chain_id);
  }
  void Remember(const std::string& chain_id) {
    MutexLock lock(&mu_);
    committed_.insert(chain_id);
  }
  void Forget(const std::string& chain_id) {
    MutexLock lock(&mu_);
    committed_.erase(chain_id);
  }

  absl::Status ListCommitted() {
    grpc::ClientContext ctx;
    Context(ctx, store_.options_.call_timeout, false);
    snapspb::ListSnapshotsRequest req;
    req.set_snapshotter(snapshotter_);
    auto stream = snapshots_->List(&ctx, req);
    snapspb::ListSnapshotsResponse resp;
    MutexLock lock(&mu_);
    while (stream->Read(&resp)) {
      for (const auto& info : resp.info()) {
        if (info.kind() == snapspb::COMMITTED) committed_.insert(info.name());
      }
    }
    return store_.Map(stream->Finish(), "Snapshots.List");
  }

  // True when `name` is a committed snapshot (remembered), false when absent.
  absl::StatusOr<bool> StatCommitted(const std::string& name) {
    grpc::ClientContext ctx;
    Context(ctx, store_.options_.call_timeout, false);
    snapspb::StatSnapshotRequest req;
    req.set_snapshotter(snapshotter_);
    req.set_key(name);
    snapspb::StatSnapshotResponse resp;
    absl::Status s = store_.Map(snapshots_->Stat(&ctx, req, &resp), "Snapshots.Stat");
    if (absl::IsNotFound(s)) return false;
    RECLAIM_RETURN_IF_ERROR(Annotate(s, "failed to stat snapshot " + name));
    if (resp.info().kind() != snapspb::COMMITTED) {
      return absl::FailedPreconditionError("snapshot " + name + " exists but is not committed");
    }
    Remember(name);
    return true;
  }

  absl::StatusOr<std::string> ReadMetadata(const Digest& digest) {
    return store_.ReadBlob(digest, kMaxMetadataBlob);
  }

  // containerd's images.Manifest: the target itself, or the first manifest
  // of an index (recursively) whose platform matches, best platform first.
  absl::StatusOr<Manifest> ResolveManifest(const Descriptor& target, Descriptor* chosen) {
    std::optional<Manifest> found;
    bool was_index = false;
    RECLAIM_RETURN_IF_ERROR(Walk(target, target, &was_index, &found, chosen, 0));
    if (!found.has_value()) {
      return absl::NotFoundError((was_index ? "no match for platform in manifest " : "manifest ") +
                                 target.digest.str() + ": not found");
    }
    return *std::move(found);
  }

  absl::Status Walk(const Descriptor& top, const Descriptor& desc, bool* was_index,
                    std::optional<Manifest>* found, Descriptor* chosen, int depth) {
    if (found->has_value()) return absl::OkStatus();
    if (depth > 8)
      return absl::InvalidArgumentError("index " + top.digest.str() + " nests too deep");
    const bool manifest = IsManifestType(desc.media_type);
    if (!manifest && !IsIndexType(desc.media_type)) {
      return absl::NotFoundError("unexpected media type " + desc.media_type + " for " +
                                 desc.digest.str() + ": not found");
    }
    RECLAIM_ASSIGN_OR_RETURN(std::string bytes, ReadMetadata(desc.digest));
    const std::string what = manifest ? "manifest" : "index";
    if (absl::Status s = ValidateMediaType(bytes, desc.media_type); !s.ok()) {
      return absl::InvalidArgumentError(what + ": invalid desc " + desc.digest.str() + ": " +
                                        std::string(s.message()));
    }
    if (manifest) {
      absl::StatusOr<Manifest> m = ParseManifest(bytes);
      if (!m.ok()) return Annotate(m.status(), "manifest " + desc.digest.str());
      if (desc.digest != top.digest) {
        if (desc.platform.has_value() &&
            PlatformRank(*desc.platform, options_.platforms, options_.normalize_platform) < 0) {
          return absl::OkStatus();
        }
        if (!desc.platform.has_value()) {
          RECLAIM_ASSIGN_OR_RETURN(std::string cb, ReadMetadata(m->config.digest));
          RECLAIM_ASSIGN_OR_RETURN(ImageConfig c, ParseConfig(m->config.digest, cb));
          if (PlatformRank(c.platform, options_.platforms, options_.normalize_platform) < 0) {
            return absl::OkStatus();
          }
        }
      }
      *chosen = desc;
      *found = *std::move(m);
      return absl::OkStatus();
    }
    absl::StatusOr<Index> index = ParseIndex(bytes);
    if (!index.ok()) return Annotate(index.status(), "index " + desc.digest.str());
    *was_index = true;
    std::vector<std::pair<int, const Descriptor*>>
        matches;  // (rank, entry); no platform ranks last
    for (const Descriptor& d : index->manifests) {
      if (!d.platform.has_value()) {
        matches.emplace_back(std::numeric_limits<int>::max(), &d);
      } else if (int rank =
                     PlatformRank(*d.platform, options_.platforms, options_.normalize_platform);
                 rank >= 0) {
        matches.emplace_back(rank, &d);
      }
    }
    std::stable_sort(matches.begin(), matches.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    if (matches.empty()) return absl::OkStatus();
    return Walk(top, *matches.front().second, was_index, found, chosen, depth + 1);  // limit 1
  }

  // Bottom up: skip what is committed, apply the rest. Without a listing a
  // layer is Stat'ed, except above a layer this call just applied (nothing
  // can have been committed on a parent that did not exist; a concurrent
  // commit shows up as AlreadyExists anyway). *parent_gone: a Prepare found
  // a parent taken as present missing.
  absl::Status ApplyLayers(UnpackResult& r, bool stat_each, bool* parent_gone) {
    bool below_applied = false;
    for (size_t i = 0; i < r.layers.size(); ++i) {
      UnpackedLayer& layer = r.layers[i];
      ChainLocks::Held held = store_.unpacking_.Lock(snapshotter_ + "/" + layer.chain_id);
      if (IsKnown(layer.chain_id) && !stat_each) continue;
      if (stat_each || held.waited() || (!listed_ && !below_applied)) {
        RECLAIM_ASSIGN_OR_RETURN(bool there, StatCommitted(layer.chain_id));
        if (there) continue;
      }
      RECLAIM_RETURN_IF_ERROR(
          ApplyLayer(i == 0 ? std::string() : r.layers[i - 1].chain_id, layer, parent_gone));
      below_applied = layer.applied;
    }
    return absl::OkStatus();
  }

  absl::Status ApplyLayer(const std::string& parent, UnpackedLayer& layer, bool* parent_gone) {
    Labels labels;
    if (options_.pull_labels) {
      for (const auto& [k, v] : layer.blob.annotations) {
        if (k == kSnapshotRefLabel || k.rfind(kInheritedSnapshotLabelPrefix, 0) == 0) labels[k] = v;
      }
      labels[std::string(kSnapshotRefLabel)] = layer.chain_id;
    }

    // Prepare the extraction snapshot on the parent.
    std::string key;
    snapspb::PrepareSnapshotResponse prepared;
    absl::Status s;
    for (int attempt = 0; attempt < kPrepareTries; ++attempt) {
      key = ExtractionKey(clock_.Now(), layer.chain_id);
      grpc::ClientContext ctx;
      Context(ctx, store_.options_.call_timeout, true);
      snapspb::PrepareSnapshotRequest req;
      req.set_snapshotter(snapshotter_);
      req.set_key(key);
      req.set_parent(parent);
      conv::ToProto(labels, req.mutable_labels());
      s = store_.Map(snapshots_->Prepare(&ctx, req, &prepared), "Snapshots.Prepare");
      if (!absl::IsAlreadyExists(s)) break;
      // The key is taken (or, in the pull unpacker's words, the chain ID may
      // have appeared meanwhile).
      RECLAIM_ASSIGN_OR_RETURN(bool there, StatCommitted(layer.chain_id));
      if (there) return absl::OkStatus();
    }
    if (absl::IsNotFound(s) && !parent.empty()) {
      *parent_gone = true;
      return absl::NotFoundError("parent snapshot " + parent + " of " + layer.chain_id +
                                 " is gone: " + std::string(s.message()));
    }
    RECLAIM_RETURN_IF_ERROR(Annotate(s, "failed to prepare extraction snapshot \"" + key + "\""));

    // From here on a failure removes the extraction snapshot.
    auto fail = [&](absl::Status st) {
      grpc::ClientContext ctx;
      Context(ctx, store_.options_.call_timeout, false);
      snapspb::RemoveSnapshotRequest req;
      req.set_snapshotter(snapshotter_);
      req.set_key(key);
      google::protobuf::Empty resp;
      (void)snapshots_->Remove(&ctx, req, &resp);
      return st;
    };

    diffpb::ApplyResponse applied;
    {
      grpc::ClientContext ctx;
      Context(ctx, store_.options_.stream_timeout, false);
      diffpb::ApplyRequest req;
      conv::ToProto(layer.blob, req.mutable_diff());
      *req.mutable_mounts() = prepared.mounts();
      s = store_.Map(diff_->Apply(&ctx, req, &applied), "Diff.Apply");
    }
    if (!s.ok()) {
      return fail(Annotate(s, "failed to extract layer " + layer.diff_id.str() + " (blob " +
                                  layer.blob.digest.str() + ", " + layer.blob.media_type + ")"));
    }
    if (applied.applied().digest() != layer.diff_id.str()) {
      return fail(absl::FailedPreconditionError(
          "wrong diff id calculated on extraction \"" + applied.applied().digest() + "\": layer " +
          layer.blob.digest.str() + " should have diff ID " + layer.diff_id.str()));
    }

    {
      grpc::ClientContext ctx;
      Context(ctx, store_.options_.call_timeout, true);
      snapspb::CommitSnapshotRequest req;
      req.set_snapshotter(snapshotter_);
      req.set_name(layer.chain_id);
      req.set_key(key);
      conv::ToProto(labels, req.mutable_labels());
      google::protobuf::Empty resp;
      s = store_.Map(snapshots_->Commit(&ctx, req, &resp), "Snapshots.Commit");
    }
    if (absl::IsAlreadyExists(s)) {  // a concurrent unpack committed it first
      (void)fail(s);
      Remember(layer.chain_id);
      return absl::OkStatus();
    }
    if (!s.ok()) return fail(Annotate(s, "failed to commit snapshot " + key));
    Remember(layer.chain_id);
    layer.applied = true;
    layer.applied_bytes = applied.applied().size();

    // The uncompressed label once the diff ID is verified, as containerd sets it.
    return store_
        .UpdateContentLabels(layer.blob.digest,
                             {{std::string(kUncompressedLabel), layer.diff_id.str()}})
        .status();
  }

  // containerd.io/gc.ref.snapshot.<snapshotter> on the config. When nothing
  // was applied it may be there already: a read is cheaper than a write.
  absl::Status LabelConfig(const UnpackResult& r) {
    const std::string key = std::string(gc::kLabelSnapshotRef) + snapshotter_;
    if (r.applied_layers() == 0) {
      RECLAIM_ASSIGN_OR_RETURN(ContentInfo info, store_.Info(r.config));
      if (auto it = info.labels.find(key); it != info.labels.end() && it->second == r.chain_id) {
        return absl::OkStatus();
      }
    }
    return store_.UpdateContentLabels(r.config, {{key, r.chain_id}}).status();
  }

  ContainerdStore& store_;
  const UnpackOptions& options_;
  const Clock& clock_;
  const std::string snapshotter_;
  std::unique_ptr<snapspb::Snapshots::Stub> snapshots_;
  std::unique_ptr<diffpb::Diff::Stub> diff_;
  std::string lease_;
  bool own_lease_ = false;
  bool listed_ = false;
  Mutex mu_;
  absl::flat_hash_set<std::string> committed_ ABSL_GUARDED_BY(mu_);
};

// ---------------------------------------------------------------- entry points

absl::StatusOr<UnpackResult> ContainerdStore::Unpack(const Descriptor& target,
                                                     const UnpackOptions& options) {
  Unpacker unpacker(*this, options);
  RECLAIM_RETURN_IF_ERROR(unpacker.Begin(/*list_committed=*/false));
  return unpacker.One(target);
}

absl::StatusOr<std::vector<absl::StatusOr<UnpackResult>>> ContainerdStore::UnpackAll(
    const std::vector<Descriptor>& targets, const UnpackOptions& options) {
  Unpacker unpacker(*this, options);
  RECLAIM_RETURN_IF_ERROR(unpacker.Begin(targets.size() >= options.list_threshold));
  std::vector<absl::StatusOr<UnpackResult>> out(targets.size(), absl::UnknownError("not unpacked"));
  // Per-image failures do not stop the others.
  RECLAIM_RETURN_IF_ERROR(ParallelFor(targets.size(), options.parallelism, [&](size_t i) {
    out[i] = unpacker.One(targets[i]);
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace reclaim
