#include "imageio/push.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "nlohmann/json.hpp"

#include "core/media_types.h"
#include "core/status.h"
#include "imageio/distribution_source.h"
#include "imageio/scoped_lease.h"
#include "registry/platforms.h"
#include "registry/push.h"

namespace reclaim {
namespace {

std::string ShortHex(const Digest& d) { return std::string(d.hex().substr(0, 12)); }

// moby's showBlobProgress: every blob but indexes, manifests and configs.
bool Shown(std::string_view media_type) {
  return IsLayer(media_type) ||
         !(IsIndex(media_type) || IsManifest(media_type) || IsConfig(media_type));
}

bool IsAttestation(const Descriptor& d) {
  auto it = d.annotations.find("vnd.docker.reference.type");
  return it != d.annotations.end() && it->second == "attestation-manifest";
}

// moby's translateRegistryError for refusals: "error from registry: <the
// registry's message>"; a refusal without a body (a HEAD) gets the text the
// registry sends with one.
absl::Status RegistryRefusal(const absl::Status& s) {
  if (!absl::IsUnauthenticated(s) && !absl::IsPermissionDenied(s)) return s;
  const std::string msg(s.message());
  for (std::string_view prefix : {"unauthorized: ", "denied: "}) {
    if (msg.compare(0, prefix.size(), prefix) == 0) {
      return absl::Status(s.code(), "error from registry: " + msg.substr(prefix.size()));
    }
  }
  return absl::Status(s.code(), absl::IsUnauthenticated(s)
                                    ? "error from registry: authentication required"
                                    : "error from registry: requested access to the resource is denied");
}

absl::Status ContentMissing(const Digest& d) {
  return absl::NotFoundError("content digest " + d.str() + ": not found");
}

// Reads a stored blob for the pusher.
class StoreBlobSource final : public BlobSource {
 public:
  explicit StoreBlobSource(std::unique_ptr<BlobReader> reader) : reader_(std::move(reader)) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    if (pending_.empty()) {
      RECLAIM_ASSIGN_OR_RETURN(pending_, reader_->Read(std::max<size_t>(n, 1 << 20)));
      pos_ = 0;
      if (pending_.empty()) return 0;
    }
    const size_t k = std::min(n, pending_.size() - pos_);
    std::copy_n(pending_.data() + pos_, k, buf);
    pos_ += k;
    if (pos_ == pending_.size()) pending_.clear();
    return k;
  }

 private:
  std::unique_ptr<BlobReader> reader_;
  std::string pending_;
  size_t pos_ = 0;
};

// One image manifest as stored, with whether all it names is present.
struct StoredManifest {
  Descriptor desc;
  std::string bytes;
  Manifest manifest;
  std::optional<Digest> missing;  // the first blob the store lacks
};

// What one push uploads: blobs, then child manifests by digest, then the
// target by the reference.
struct Plan {
  Descriptor target;
  std::optional<std::string> index_bytes;  // when the target is an index
  std::vector<StoredManifest> manifests;   // the index's children, or the target
  std::vector<Descriptor> blobs;           // configs and layers, each once
  bool manifest_instead_of_index = false;
};

class Pusher {
 public:
  Pusher(Store& store, RegistryClient& client, const Reference& ref, const PushOptions& options)
      : store_(store),
        ref_(ref),
        options_(options),
        clock_(options.clock != nullptr ? *options.clock : RealClock()),
        pusher_(client, TrimNamed(ref)) {}

  absl::StatusOr<PushResult> Run() {
    if (ref_.IsNameOnly()) {
      return absl::InvalidArgumentError("push " + ref_.String() + ": a tag or digest is needed");
    }
    absl::StatusOr<ImageRecord> record = store_.images().GetImage(ref_.String());
    if (absl::IsNotFound(record.status())) {
      return absl::NotFoundError("tag does not exist: " + ref_.FamiliarString());
    }
    if (!record.ok()) return record.status();
    RECLAIM_ASSIGN_OR_RETURN(lease_, ScopedLease::Create(store_, clock_, "reclaim-push-"));
    RECLAIM_ASSIGN_OR_RETURN(Plan plan, MakePlan(record->target));
    for (const Descriptor& b : plan.blobs) {
      if (Shown(b.media_type)) Emit({PushEvent::Kind::kWaiting, ShortHex(b.digest)});
    }
    if (absl::Status s = PushBlobs(plan.blobs); !s.ok()) return RegistryRefusal(s);
    if (plan.index_bytes.has_value()) {
      for (const StoredManifest& m : plan.manifests) {
        RECLAIM_RETURN_IF_ERROR(PutManifest(m.desc, m.desc.digest.str(), m.bytes));
      }
      RECLAIM_RETURN_IF_ERROR(PutManifest(plan.target, Where(), *plan.index_bytes));
    } else {
      RECLAIM_RETURN_IF_ERROR(PutManifest(plan.target, Where(), plan.manifests.front().bytes));
    }
    if (plan.manifest_instead_of_index) {  // after the push, as moby says it
      PushEvent e{PushEvent::Kind::kManifestInsteadOfIndex, "", plan.target.digest.str()};
      e.index = record->target;
      e.manifest = plan.target;
      Emit(std::move(e));
    }
    // Later pushes to other repositories of this registry may mount from here.
    // Only a hint: failing to record it does not fail the push (as in moby).
    for (const Descriptor& b : plan.blobs) {
      (void)AppendDistributionSource(store_.content(), b.digest, ref_);
    }
    for (const StoredManifest& m : plan.manifests) {
      (void)AppendDistributionSource(store_.content(), m.desc.digest, ref_);
    }
    if (plan.index_bytes.has_value()) {  // else the target is manifests[0]
      (void)AppendDistributionSource(store_.content(), plan.target.digest, ref_);
    }
    result_.tag = ref_.HasTag() ? ref_.Tag() : "";
    result_.target = plan.target;
    return result_;
  }

 private:
  std::string Where() const { return ref_.HasTag() ? ref_.Tag() : ref_.Digest(); }

  void Emit(PushEvent e) {
    if (!options_.progress) return;
    std::lock_guard<std::mutex> lock(events_mu_);
    options_.progress(e);
  }

  // The stored manifest `d`, protected by the lease, and whether its config
  // and layers are all present.
  absl::StatusOr<StoredManifest> Load(const Descriptor& d) {
    StoredManifest m;
    m.desc = d;
    absl::StatusOr<std::string> bytes = store_.content().ReadBlob(d.digest, kMaxManifestSize);
    if (absl::IsNotFound(bytes.status())) {
      m.missing = d.digest;
      return m;
    }
    if (!bytes.ok()) return bytes.status();
    m.bytes = *std::move(bytes);
    RECLAIM_RETURN_IF_ERROR(lease_->Protect(d.digest));
    RECLAIM_ASSIGN_OR_RETURN(m.manifest, ParseManifest(m.bytes));
    std::vector<Descriptor> children{m.manifest.config};
    children.insert(children.end(), m.manifest.layers.begin(), m.manifest.layers.end());
    for (const Descriptor& c : children) {
      absl::StatusOr<ContentInfo> info = store_.content().Info(c.digest);
      if (absl::IsNotFound(info.status())) {
        if (!m.missing) m.missing = c.digest;
        continue;
      }
      if (!info.ok()) return info.status();
      RECLAIM_RETURN_IF_ERROR(lease_->Protect(c.digest));
    }
    return m;
  }

  // The platform a manifest is for: its index entry's, else its config's.
  absl::StatusOr<Platform> PlatformOf(const StoredManifest& m) {
    if (m.desc.platform.has_value()) return NormalizePlatform(*m.desc.platform);
    RECLAIM_ASSIGN_OR_RETURN(std::string config,
                             store_.content().ReadBlob(m.manifest.config.digest, kMaxManifestSize));
    RECLAIM_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(config));
    RECLAIM_ASSIGN_OR_RETURN(Platform p, PlatformFieldsFromJson(j, "config"));
    return NormalizePlatform(p);
  }

  absl::Status PlatformNotFound(const std::optional<Platform>& wanted) {
    std::string msg = "image with reference " + ref_.FamiliarString() +
                      " was found but does not match the specified platform";
    if (wanted.has_value()) msg += ": wanted " + FormatPlatform(*wanted);
    return absl::NotFoundError(msg);
  }

  absl::StatusOr<Plan> MakePlan(const Descriptor& target) {
    Plan plan;
    plan.target = target;
    if (IsManifest(target.media_type)) {
      RECLAIM_ASSIGN_OR_RETURN(StoredManifest m, Load(target));
      if (m.missing) return ContentMissing(*m.missing);
      if (options_.platform.has_value()) {
        RECLAIM_ASSIGN_OR_RETURN(Platform p, PlatformOf(m));
        if (!PlatformMatcher::Only(*options_.platform).Match(p)) {
          return PlatformNotFound(options_.platform);
        }
      }
      plan.manifests.push_back(std::move(m));
    } else if (IsIndex(target.media_type)) {
      absl::StatusOr<std::string> bytes = store_.content().ReadBlob(target.digest, kMaxManifestSize);
      if (absl::IsNotFound(bytes.status())) return ContentMissing(target.digest);
      if (!bytes.ok()) return bytes.status();
      RECLAIM_RETURN_IF_ERROR(lease_->Protect(target.digest));
      RECLAIM_ASSIGN_OR_RETURN(Index index, ParseIndex(*bytes));
      RECLAIM_ASSIGN_OR_RETURN(std::vector<StoredManifest> all, LoadChildren(index));
      const bool any_missing = std::any_of(all.begin(), all.end(),
                                           [](const StoredManifest& m) { return m.missing; });
      if (!options_.platform.has_value() && !any_missing) {
        plan.index_bytes = *std::move(bytes);
        plan.manifests = std::move(all);
      } else {
        RECLAIM_ASSIGN_OR_RETURN(StoredManifest chosen, Choose(std::move(all)));
        plan.target = chosen.desc;
        plan.target.platform.reset();
        plan.target.annotations.clear();
        plan.manifest_instead_of_index = !options_.platform.has_value();
        plan.manifests.push_back(std::move(chosen));
      }
    } else {
      return absl::InvalidArgumentError("push " + ref_.FamiliarString() +
                                        ": unsupported media type " + target.media_type);
    }
    std::set<Digest> seen;
    for (const StoredManifest& m : plan.manifests) {
      // Layers before the config, as containerd's push handlers reach them.
      std::vector<Descriptor> blobs = m.manifest.layers;
      blobs.push_back(m.manifest.config);
      for (Descriptor& b : blobs) {
        if (seen.insert(b.digest).second) plan.blobs.push_back(std::move(b));
      }
    }
    return plan;
  }

  absl::StatusOr<std::vector<StoredManifest>> LoadChildren(const Index& index) {
    std::vector<StoredManifest> all;
    for (const Descriptor& d : index.manifests) {
      if (!IsManifest(d.media_type)) continue;  // nested indexes are not pushed
      RECLAIM_ASSIGN_OR_RETURN(StoredManifest m, Load(d));
      all.push_back(std::move(m));
    }
    return all;
  }

  // moby's getPushDescriptor when not all of an index is present (or a
  // platform was asked for): the present manifest for the platform.
  absl::StatusOr<StoredManifest> Choose(std::vector<StoredManifest> all) {
    const PlatformMatcher matcher =
        PlatformMatcher::Only(options_.platform.value_or(DefaultPlatform()));
    std::vector<std::pair<Platform, StoredManifest*>> candidates;
    for (StoredManifest& m : all) {
      if (m.missing || IsAttestation(m.desc)) continue;
      RECLAIM_ASSIGN_OR_RETURN(Platform p, PlatformOf(m));
      if (matcher.Match(p)) candidates.emplace_back(p, &m);
    }
    if (candidates.empty()) return PlatformNotFound(options_.platform);
    if (candidates.size() > 1 && options_.platform.has_value()) {
      return absl::FailedPreconditionError("multiple manifests found for platform " +
                                           FormatPlatform(*options_.platform));
    }
    auto best = std::min_element(candidates.begin(), candidates.end(), [&](auto& a, auto& b) {
      return matcher.Less(a.first, b.first);
    });
    return std::move(*best->second);
  }

  absl::Status PushBlobs(const std::vector<Descriptor>& blobs) {
    std::atomic<size_t> next{0};
    std::mutex mu;
    absl::Status first;
    auto work = [&] {
      for (size_t i = next++; i < blobs.size(); i = next++) {
        {
          std::lock_guard<std::mutex> lock(mu);
          if (!first.ok()) return;
        }
        absl::Status s = PushBlob(blobs[i]);
        if (!s.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first.ok()) first = s;
          return;
        }
      }
    };
    const size_t n = std::min<size_t>(std::max(options_.parallelism, 1), blobs.size());
    std::vector<std::thread> workers;
    for (size_t i = 1; i < n; ++i) workers.emplace_back(work);
    work();
    for (std::thread& t : workers) t.join();
    return first;
  }

  void Count(int64_t PushResult::*field) {
    std::lock_guard<std::mutex> lock(result_mu_);
    ++(result_.*field);
  }

  absl::Status PushBlob(const Descriptor& d) {
    const bool shown = Shown(d.media_type);
    const std::string id = ShortHex(d.digest);
    RECLAIM_ASSIGN_OR_RETURN(bool exists, pusher_.BlobExists(d.digest));
    if (exists) {
      Count(&PushResult::blobs_existing);
      if (shown) {
        Emit({PushEvent::Kind::kLayerExists, id,
              IsLayer(d.media_type) ? "Layer already exists" : "Already exists"});
      }
      return absl::OkStatus();
    }
    PushBlobOptions o;
    o.chunk_size = options_.chunk_size;
    RECLAIM_ASSIGN_OR_RETURN(ContentInfo info, store_.content().Info(d.digest));
    for (const Reference& from : DistributionSources(info.labels)) {
      if (RegistryHostname(from.Domain()) != RegistryHostname(ref_.Domain()) ||
          from.Path() == ref_.Path()) {
        continue;
      }
      // A refused mount (no pull access there, say) falls back to an upload.
      absl::StatusOr<MountResult> m = pusher_.Mount(d.digest, from.Path());
      if (!m.ok()) continue;
      if (m->mounted) {
        Count(&PushResult::blobs_mounted);
        if (shown) Emit({PushEvent::Kind::kMounted, id, "Mounted from " + from.Path()});
        return absl::OkStatus();
      }
      o.upload_url = m->upload_url;
      break;
    }
    if (shown) {
      o.progress = [this, id, total = d.size](uint64_t bytes) {
        Emit({PushEvent::Kind::kPushing, id, "", static_cast<int64_t>(bytes), total});
      };
    }
    RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, store_.content().OpenBlob(d.digest));
    StoreBlobSource source(std::move(reader));
    RECLAIM_RETURN_IF_ERROR(pusher_.PushBlob(d, source, o));
    Count(&PushResult::blobs_uploaded);
    if (shown) Emit({PushEvent::Kind::kPushed, id});
    return absl::OkStatus();
  }

  absl::Status PutManifest(const Descriptor& d, const std::string& where, const std::string& bytes) {
    absl::StatusOr<Digest> got = pusher_.PutManifest(where, d.media_type, bytes);
    if (!got.ok()) return RegistryRefusal(got.status());
    if (*got != d.digest) {
      return absl::DataLossError("push " + ref_.FamiliarString() + ": the registry stored " +
                                 got->str() + " for manifest " + d.digest.str());
    }
    return absl::OkStatus();
  }

  Store& store_;
  const Reference ref_;
  const PushOptions& options_;
  const Clock& clock_;
  RegistryPusher pusher_;
  std::unique_ptr<ScopedLease> lease_;
  std::mutex events_mu_;
  std::mutex result_mu_;
  PushResult result_;
};

}  // namespace

std::string PushRefersTo(const Reference& ref) {
  return "The push refers to repository [" + ref.Name() + "]";
}

absl::StatusOr<PushResult> PushImage(Store& store, RegistryClient& client, const Reference& ref,
                                     const PushOptions& options) {
  Pusher pusher(store, client, ref, options);
  return pusher.Run();
}

absl::StatusOr<std::vector<Reference>> PushReferences(Store& store, const Reference& ref) {
  if (!ref.IsNameOnly()) return std::vector<Reference>{ref};
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> records, store.images().ListImages());
  std::vector<Reference> refs;
  for (const ImageRecord& r : records) {
    absl::StatusOr<Reference> named = ParseNormalizedNamed(r.name);
    if (!named.ok() || !named->HasTag() || named->HasDigest()) continue;
    if (named->Name() == ref.Name()) refs.push_back(*std::move(named));
  }
  if (refs.empty()) {
    return absl::NotFoundError("An image does not exist locally with the tag: " +
                               ref.FamiliarName());
  }
  std::sort(refs.begin(), refs.end(),
            [](const Reference& a, const Reference& b) { return a.String() < b.String(); });
  return refs;
}

}  // namespace reclaim
