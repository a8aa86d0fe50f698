#include "imageio/pull.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "core/media_types.h"
#include "core/status.h"
#include "imageio/distribution_source.h"
#include "imageio/scoped_lease.h"
#include "imageio/store_writes.h"
#include "imageio/walk.h"

namespace reclaim {
namespace {

std::string ShortHex(const Digest& d) { return std::string(d.hex().substr(0, 12)); }

// moby's texts for the failures a user meets first (image_pull.go).
absl::Status MobyPullError(const absl::Status& s, const Reference& ref, bool resolving) {
  if (absl::IsUnauthenticated(s) || absl::IsPermissionDenied(s)) {
    if (std::string(s.message()).find("no basic auth credentials") != std::string::npos) return s;
    return absl::NotFoundError("pull access denied for " + ref.FamiliarName() +
                               ", repository does not exist or may require 'docker login'");
  }
  if (resolving && absl::IsNotFound(s)) {
    return absl::NotFoundError("manifest for " + ref.FamiliarString() +
                               " not found: manifest unknown: manifest unknown");
  }
  return s;
}

// Serialises the caller's progress callback (fetch workers and this thread).
class Events {
 public:
  explicit Events(const std::function<void(const PullEvent&)>& fn) : fn_(fn) {}
  void Emit(PullEvent::Kind kind, std::string id, int64_t current = 0, int64_t total = 0,
            std::string text = "") {
    if (!fn_) return;
    std::lock_guard<std::mutex> lock(mu_);
    fn_(PullEvent{kind, std::move(id), std::move(text), current, total});
  }

 private:
  const std::function<void(const PullEvent&)>& fn_;
  std::mutex mu_;
};

// A fetched blob's way into the store: a content writer under the pull's
// lease, committed (with its labels) only when the client has verified every
// byte.
class StoreBlobSink final : public BlobSink {
 public:
  StoreBlobSink(Store& store, ScopedLease& lease, std::unique_ptr<ContentWriter> writer,
                Descriptor desc, Labels labels, const CancelToken* cancel)
      : store_(store),
        lease_(lease),
        writer_(std::move(writer)),
        desc_(std::move(desc)),
        labels_(std::move(labels)),
        cancel_(cancel) {}

  // Small network reads are gathered into writes of kWriteSize: each store
  // write is a syscall (embedded) or a gRPC round trip (containerd).
  absl::Status Write(std::string_view data) override {
    if (cancel_ != nullptr && cancel_->cancelled()) {
      return absl::CancelledError("the pull was interrupted");
    }
    if (pending_.empty() && data.size() >= kWriteSize) return writer_->Write(data);
    pending_.append(data);
    return pending_.size() >= kWriteSize ? Flush() : absl::OkStatus();
  }
  absl::Status Commit() override {
    RECLAIM_RETURN_IF_ERROR(Flush());
    return CommitUnderLease(store_, lease_, *writer_, desc_, labels_).status();
  }
  // The writer was given the descriptor's size and digest; its commit checks
  // both (CheckCommit) and publishes nothing on a mismatch.
  bool VerifiesOnCommit() const override { return true; }

 private:
  static constexpr size_t kWriteSize = 1 << 20;

  absl::Status Flush() {
    if (pending_.empty()) return absl::OkStatus();
    absl::Status s = writer_->Write(pending_);
    pending_.clear();
    return s;
  }

  Store& store_;
  ScopedLease& lease_;
  std::unique_ptr<ContentWriter> writer_;
  Descriptor desc_;
  Labels labels_;
  const CancelToken* const cancel_;
  std::string pending_;
};

class Puller {
 public:
  Puller(Store& store, RegistryClient& client, const Reference& ref, const PullOptions& options)
      : store_(store),
        client_(client),
        ref_(ref),
        options_(options),
        clock_(options.clock != nullptr ? *options.clock : RealClock()),
        events_(options.progress) {}

  absl::StatusOr<PullResult> Run() {
    if (ref_.IsNameOnly()) {
      return absl::InvalidArgumentError("pull " + ref_.String() + ": a tag or digest is needed");
    }
    absl::StatusOr<Descriptor> target = client_.Resolve(ref_);
    if (!target.ok()) return MobyPullError(target.status(), ref_, /*resolving=*/true);
    RECLAIM_ASSIGN_OR_RETURN(lease_, ScopedLease::Create(store_, clock_, "reclaim-pull-"));

    std::optional<std::string> index_bytes;
    Descriptor manifest_desc = *target;
    if (IsIndex(target->media_type)) {
      absl::StatusOr<std::string> bytes = client_.FetchManifest(ref_, *target);
      if (!bytes.ok()) return MobyPullError(bytes.status(), ref_, false);
      index_bytes = *std::move(bytes);
      absl::StatusOr<Descriptor> chosen = client_.SelectManifest(ref_, *target, options_.platforms);
      if (!chosen.ok()) {
        if (absl::IsNotFound(chosen.status())) {
          const std::string platform = options_.platform_text.empty()
                                           ? FormatPlatform(DefaultPlatform())
                                           : options_.platform_text;
          return absl::NotFoundError("no matching manifest for " + platform +
                                     " in the manifest list entries: " +
                                     std::string(chosen.status().message()));
        }
        return MobyPullError(chosen.status(), ref_, false);
      }
      manifest_desc = *chosen;
    } else if (!IsManifest(target->media_type)) {
      return absl::InvalidArgumentError("pull " + ref_.FamiliarString() +
                                        ": unsupported media type " + target->media_type);
    }
    absl::StatusOr<std::string> manifest_bytes = client_.FetchManifest(ref_, manifest_desc);
    if (!manifest_bytes.ok()) return MobyPullError(manifest_bytes.status(), ref_, false);
    RECLAIM_ASSIGN_OR_RETURN(Manifest manifest, ParseManifest(*manifest_bytes));
    events_.Emit(PullEvent::Kind::kPullingFrom, ref_.HasTag() ? ref_.Tag() : ref_.String(), 0, 0,
                 ref_.Path());

    RECLAIM_RETURN_IF_ERROR(FetchChildren(manifest));
    std::vector<Descriptor> children{manifest.config};
    children.insert(children.end(), manifest.layers.begin(), manifest.layers.end());
    RECLAIM_RETURN_IF_ERROR(
        PutMetadata(manifest_desc, *manifest_bytes, ChildGcLabels(children)));
    if (index_bytes.has_value()) {
      RECLAIM_RETURN_IF_ERROR(PutMetadata(*target, *index_bytes, ChildGcLabels({manifest_desc})));
    }

    for (const Descriptor& d : children) {
      RECLAIM_RETURN_IF_ERROR(AppendDistributionSource(store_.content(), d.digest, ref_));
    }
    RECLAIM_RETURN_IF_ERROR(AppendDistributionSource(store_.content(), manifest_desc.digest, ref_));
    if (index_bytes.has_value()) {
      RECLAIM_RETURN_IF_ERROR(AppendDistributionSource(store_.content(), target->digest, ref_));
    }
    RECLAIM_ASSIGN_OR_RETURN(ImageUpsert upsert, CreateOrUpdateImage(store_, ref_.String(), *target));
    result_.name = ref_.String();
    result_.target = *target;
    result_.created = upsert.created;
    result_.previous_target = upsert.previous_target;
    if (options_.unpack) {
      absl::Status s = options_.unpack(*target);
      if (!s.ok() && !absl::IsNotFound(s)) {
        return absl::Status(s.code(), "pulled " + ref_.FamiliarString() +
                                          " but could not unpack it: " + std::string(s.message()));
      }
    }
    // Bottom layer first, as they apply.
    std::set<std::string> done(fetched_layers_.begin(), fetched_layers_.end());
    for (const Descriptor& layer : manifest.layers) {
      if (done.erase(ShortHex(layer.digest)) > 0) {
        events_.Emit(PullEvent::Kind::kPullComplete, ShortHex(layer.digest));
      }
    }
    return result_;
  }

 private:
  // The config and the layers not yet in the store (in parallel), each under
  // the lease; the ones already there are protected by it.
  absl::Status FetchChildren(const Manifest& manifest) {
    std::vector<Descriptor> missing;
    std::vector<std::pair<Descriptor, bool>> layers;  // layer, present
    for (const Descriptor& layer : manifest.layers) {
      RECLAIM_ASSIGN_OR_RETURN(bool present, Present(layer));
      layers.emplace_back(layer, present);
    }
    RECLAIM_ASSIGN_OR_RETURN(bool config_present, Present(manifest.config));
    if (!config_present) missing.push_back(manifest.config);
    const bool all_present = std::all_of(layers.begin(), layers.end(),
                                         [](const auto& l) { return l.second; });
    std::set<Digest> shown;
    for (const auto& [layer, present] : layers) {
      if (!shown.insert(layer.digest).second) continue;  // a layer listed twice
      if (!present) {
        missing.push_back(layer);
        layer_ids_[layer.digest] = ShortHex(layer.digest);
        if (!all_present) events_.Emit(PullEvent::Kind::kPullingFsLayer, ShortHex(layer.digest));
      }
    }
    if (!all_present) {
      for (const auto& [layer, present] : layers) {
        if (present) events_.Emit(PullEvent::Kind::kAlreadyExists, ShortHex(layer.digest));
      }
    }
    if (missing.empty()) return absl::OkStatus();
    std::set<Digest> seen;
    missing.erase(std::remove_if(missing.begin(), missing.end(),
                                 [&](const Descriptor& d) { return !seen.insert(d.digest).second; }),
                  missing.end());
    FetchBlobsOptions fo;
    fo.parallelism = options_.parallelism;
    fo.progress = [this](const Descriptor& d, uint64_t bytes) {
      auto it = layer_ids_.find(d.digest);
      if (it == layer_ids_.end()) return;
      events_.Emit(PullEvent::Kind::kDownloading, it->second, static_cast<int64_t>(bytes), d.size);
    };
    std::mutex mu;
    absl::Status fetched = client_.FetchBlobs(
        ref_, missing,
        [&](const Descriptor& d) -> absl::StatusOr<BlobTarget> {
          WriterOptions w;
          w.ref = lease_->id() + "-" + std::string(d.digest.hex());
          w.lease_id = lease_->id();
          w.expected_size = d.size;
          w.expected = d.digest;
          RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<ContentWriter> writer, store_.content().Writer(w));
          BlobTarget t;
          t.sink = std::make_unique<CompletionSink>(
              std::make_unique<StoreBlobSink>(store_, *lease_, std::move(writer), d, Labels{},
                                              options_.cancel),
              [this, d, &mu] {
                {
                  std::lock_guard<std::mutex> lock(mu);
                  ++result_.blobs_fetched;
                  result_.bytes_fetched += d.size;
                }
                auto it = layer_ids_.find(d.digest);
                if (it == layer_ids_.end()) return;
                events_.Emit(PullEvent::Kind::kDownloadComplete, it->second);
                std::lock_guard<std::mutex> lock(mu);
                fetched_layers_.push_back(it->second);
              });
          return t;
        },
        fo);
    if (!fetched.ok()) return MobyPullError(fetched, ref_, false);
    return absl::OkStatus();
  }

  // Calls `done` after the wrapped sink commits.
  class CompletionSink final : public BlobSink {
   public:
    CompletionSink(std::unique_ptr<BlobSink> inner, std::function<void()> done)
        : inner_(std::move(inner)), done_(std::move(done)) {}
    absl::Status Write(std::string_view data) override { return inner_->Write(data); }
    absl::Status Commit() override {
      RECLAIM_RETURN_IF_ERROR(inner_->Commit());
      done_();
      return absl::OkStatus();
    }
    bool VerifiesOnCommit() const override { return inner_->VerifiesOnCommit(); }

   private:
    std::unique_ptr<BlobSink> inner_;
    std::function<void()> done_;
  };

  // True when the store has `d` (then the lease protects it from here on).
  absl::StatusOr<bool> Present(const Descriptor& d) {
    absl::StatusOr<ContentInfo> info = store_.content().Info(d.digest);
    if (absl::IsNotFound(info.status())) return false;
    if (!info.ok()) return info.status();
    RECLAIM_RETURN_IF_ERROR(lease_->Protect(d.digest));
    return true;
  }

  // A manifest or index whose bytes the client has verified.
  absl::Status PutMetadata(const Descriptor& d, const std::string& bytes, Labels labels) {
    RECLAIM_ASSIGN_OR_RETURN(LeasedBlob b, WriteBlobUnderLease(store_, *lease_, bytes, d.media_type,
                                                               "-", labels));
    if (b.descriptor.digest != d.digest || b.descriptor.size != d.size) {
      return absl::FailedPreconditionError("pull " + ref_.FamiliarString() + ": " +
                                           d.digest.str() + " changed while it was pulled");
    }
    return absl::OkStatus();
  }

  Store& store_;
  RegistryClient& client_;
  const Reference ref_;
  const PullOptions& options_;
  const Clock& clock_;
  Events events_;
  std::unique_ptr<ScopedLease> lease_;
  std::map<Digest, std::string> layer_ids_;  // layers being fetched -> their event id
  std::vector<std::string> fetched_layers_;
  PullResult result_;
};

}  // namespace

absl::Status PullOptions::SetPlatform(std::string_view specifier) {
  RECLAIM_ASSIGN_OR_RETURN(Platform p, ParsePlatform(specifier));
  platforms = PlatformMatcher::Only(p);
  platform_text = FormatPlatform(p);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Reference>> PullReferences(RegistryClient& client,
                                                      const Reference& ref) {
  if (!ref.IsNameOnly()) return std::vector<Reference>{ref};
  RECLAIM_ASSIGN_OR_RETURN(std::vector<std::string> tags, client.ListTags(ref));
  std::vector<Reference> refs;
  for (const std::string& tag : tags) {
    RECLAIM_ASSIGN_OR_RETURN(Reference tagged, WithTag(ref, tag));
    refs.push_back(std::move(tagged));
  }
  return refs;
}

absl::StatusOr<PullResult> PullImage(Store& store, RegistryClient& client, const Reference& ref,
                                     const PullOptions& options) {
  Puller puller(store, client, ref, options);
  return puller.Run();
}

}  // namespace reclaim
