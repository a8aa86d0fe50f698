#include "imageio/save.h"

#include <map>
#include <set>
#include <utility>

#include "core/digest.h"
#include "core/media_types.h"
#include "core/status.h"
#include "imageio/archive_stream.h"
#include "imageio/go_json.h"
#include "imageio/names.h"
#include "imageio/walk.h"

namespace reclaim {
namespace {

constexpr size_t kCopyChunk = 1 << 20;

std::string BlobPath(const Digest& d) { return "blobs/sha256/" + std::string(d.hex()); }

// Counts what goes to the sink.
class CountingSink final : public ByteSink {
 public:
  explicit CountingSink(ByteSink& inner) : inner_(inner) {}
  absl::Status Write(std::string_view bytes) override {
    count_ += static_cast<int64_t>(bytes.size());
    return inner_.Write(bytes);
  }
  int64_t count() const { return count_; }

 private:
  ByteSink& inner_;
  int64_t count_ = 0;
};

struct ExportEntry {
  std::string name;  // stored name, or "" for an unnamed export
  Descriptor target;
};

class Saver {
 public:
  Saver(Store& store, const SaveOptions& options)
      : store_(store), platform_(options.platform.value_or(HostPlatform())) {}

  absl::StatusOr<SaveResult> Run(const std::vector<std::string>& names, ByteSink& sink) {
    std::vector<ExportEntry> entries;
    std::set<std::pair<std::string, Digest>> seen;
    for (const std::string& name : names) {
      RECLAIM_ASSIGN_OR_RETURN(ExportEntry e, Resolve(name));
      if (!seen.emplace(e.name, e.target.digest).second) continue;
      entries.push_back(std::move(e));
    }

    // Decide every record before writing a byte.
    std::vector<Descriptor> index_manifests;
    std::vector<Digest> docker_order;
    std::map<Digest, DockerManifestEntry> docker;
    SaveResult result;
    for (ExportEntry& e : entries) {
      const std::string what = e.name.empty() ? e.target.digest.str() : e.name;
      if (IsManifest(e.target.media_type)) {
        RECLAIM_RETURN_IF_ERROR(CollectManifest(e.target, /*required=*/true, what).status());
        RECLAIM_RETURN_IF_ERROR(AddDockerEntry(e.target, e.name, docker_order, docker));
      } else if (IsIndex(e.target.media_type)) {
        RECLAIM_ASSIGN_OR_RETURN(std::optional<Descriptor> pick, CollectIndex(e.target, what, 0));
        if (pick.has_value()) {
          RECLAIM_RETURN_IF_ERROR(AddDockerEntry(*pick, e.name, docker_order, docker));
        }
      } else {
        return absl::InvalidArgumentError("image " + what +
                                          ": only manifests and indexes may be "
                                          "exported, not " +
                                          e.target.media_type);
      }
      Descriptor annotated = e.target;
      annotated.annotations.erase(std::string(kAnnotationImageName));
      annotated.annotations.erase(std::string(kAnnotationRefName));
      if (!e.name.empty()) {
        annotated.annotations[std::string(kAnnotationImageName)] = e.name;
        annotated.annotations[std::string(kAnnotationRefName)] = OciReferenceName(e.name);
      }
      index_manifests.push_back(annotated);
      result.images.push_back(SavedImage{e.name, std::move(annotated)});
    }

    CountingSink counting(sink);
    RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<ArchiveWriter> w, ArchiveWriter::Open(counting));
    if (!blobs_.empty()) {
      RECLAIM_RETURN_IF_ERROR(w->AddDirectory("blobs/"));
      RECLAIM_RETURN_IF_ERROR(w->AddDirectory("blobs/sha256/"));
    }
    for (const auto& [digest, size] : blobs_) {  // sorted by digest = by path
      RECLAIM_RETURN_IF_ERROR(CopyBlob(*w, digest, size));
      ++result.blobs;
    }
    RECLAIM_RETURN_IF_ERROR(w->AddFile("index.json", GoJsonOciIndex(index_manifests), 0644));
    if (!docker_order.empty()) {
      std::vector<DockerManifestEntry> list;
      for (const Digest& d : docker_order) list.push_back(docker[d]);
      RECLAIM_RETURN_IF_ERROR(w->AddFile("manifest.json", GoJsonDockerManifestList(list), 0644));
    }
    RECLAIM_RETURN_IF_ERROR(w->AddFile("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 0444));
    RECLAIM_RETURN_IF_ERROR(w->Finish());
    result.bytes_written = counting.count();
    return result;
  }

 private:
  absl::StatusOr<ExportEntry> Resolve(const std::string& name) {
    absl::StatusOr<ImageRecord> rec = store_.images().GetImage(name);
    if (rec.ok()) {
      if (IsDanglingName(rec->name, rec->target.digest)) return ExportEntry{"", rec->target};
      return ExportEntry{rec->name, rec->target};
    }
    if (!absl::IsNotFound(rec.status())) return rec.status();

    std::string_view hex = name;
    if (hex.starts_with(Digest::kSha256Prefix)) hex.remove_prefix(Digest::kSha256Prefix.size());
    if (absl::StatusOr<Digest> d = Digest::FromSha256Hex(hex); d.ok()) {
      RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> all, store_.images().ListImages());
      for (const ImageRecord& r : all) {
        if (r.target.digest == *d) return ExportEntry{"", r.target};
      }
    }
    if (absl::StatusOr<std::string> normalized = NormalizeDockerRef(name); normalized.ok()) {
      rec = store_.images().GetImage(*normalized);
      if (rec.ok()) {
        if (IsDanglingName(rec->name, rec->target.digest)) return ExportEntry{"", rec->target};
        return ExportEntry{rec->name, rec->target};
      }
      if (!absl::IsNotFound(rec.status())) return rec.status();
    }
    return absl::NotFoundError("No such image: " + EchoInput(name));
  }

  // Present size of `d`, or NotFound. Checks it against the descriptor.
  absl::StatusOr<int64_t> Present(const Descriptor& d) {
    RECLAIM_ASSIGN_OR_RETURN(ContentInfo info, store_.content().Info(d.digest));
    if (info.size != d.size) {
      return absl::DataLossError("content " + d.digest.str() + " has " + std::to_string(info.size) +
                                 " bytes, its descriptor says " + std::to_string(d.size));
    }
    return info.size;
  }

  absl::StatusOr<std::vector<Descriptor>> ReadChildren(const Descriptor& d) {
    RECLAIM_ASSIGN_OR_RETURN(std::string bytes,
                             store_.content().ReadBlob(d.digest, kMaxWalkBlobSize));
    return Children(d, bytes);
  }

  // Adds a manifest and, when all of them are present, its config and layers.
  // Returns whether it was complete. `required`: absence or incompleteness is
  // an error (a manifest target); otherwise a missing manifest is skipped.
  absl::StatusOr<bool> CollectManifest(const Descriptor& d, bool required,
                                       const std::string& what) {
    absl::StatusOr<int64_t> size = Present(d);
    if (!size.ok()) {
      if (absl::IsNotFound(size.status()) && !required) return false;
      if (absl::IsNotFound(size.status())) {
        return absl::NotFoundError("image " + what + ": manifest " + d.digest.str() +
                                   " is missing");
      }
      return size.status();
    }
    RECLAIM_ASSIGN_OR_RETURN(std::vector<Descriptor> children, ReadChildren(d));
    std::vector<std::pair<Digest, int64_t>> present;
    bool complete = true;
    for (const Descriptor& c : children) {
      if (IsNonDistributable(c.media_type)) continue;
      absl::StatusOr<int64_t> s = Present(c);
      if (!s.ok() && !absl::IsNotFound(s.status())) return s.status();
      if (!s.ok()) {
        if (required) {
          return absl::NotFoundError("image " + what + ": content " + c.digest.str() +
                                     " is missing");
        }
        complete = false;
        break;
      }
      present.emplace_back(c.digest, *s);
    }
    blobs_[d.digest] = *size;
    if (complete) {
      for (const auto& [digest, s] : present) blobs_[digest] = s;
      complete_.insert(d.digest);
    }
    return complete;
  }

  // Adds an index and its present children; returns the manifest that
  // manifest.json should show for it, if any.
  absl::StatusOr<std::optional<Descriptor>> CollectIndex(const Descriptor& d,
                                                         const std::string& what, int depth) {
    if (depth > 8) {
      return absl::InvalidArgumentError("image " + what + ": indexes nested too deep");
    }
    absl::StatusOr<int64_t> size = Present(d);
    if (!size.ok()) {
      if (absl::IsNotFound(size.status()) && depth > 0) return std::optional<Descriptor>();
      if (absl::IsNotFound(size.status())) {
        return absl::NotFoundError("image " + what + ": index " + d.digest.str() + " is missing");
      }
      return size.status();
    }
    blobs_[d.digest] = *size;
    RECLAIM_ASSIGN_OR_RETURN(std::vector<Descriptor> children, ReadChildren(d));
    std::vector<Descriptor> complete;
    for (const Descriptor& c : children) {
      if (IsManifest(c.media_type)) {
        RECLAIM_ASSIGN_OR_RETURN(bool ok, CollectManifest(c, /*required=*/false, what));
        if (ok) complete.push_back(c);
      } else if (IsIndex(c.media_type)) {
        RECLAIM_RETURN_IF_ERROR(CollectIndex(c, what, depth + 1).status());
      } else if (!IsNonDistributable(c.media_type)) {
        absl::StatusOr<int64_t> s = Present(c);
        if (s.ok()) {
          blobs_[c.digest] = *s;
        } else if (!absl::IsNotFound(s.status())) {
          return s.status();
        }
      }
    }
    if (depth > 0) return std::optional<Descriptor>();
    for (const Descriptor& c : complete) {
      if (c.platform.has_value() && c.platform->os == platform_.os &&
          c.platform->architecture == platform_.architecture &&
          (platform_.variant.empty() || c.platform->variant == platform_.variant)) {
        return std::optional<Descriptor>(c);
      }
    }
    for (const Descriptor& c : complete) {
      if (!c.platform.has_value()) return std::optional<Descriptor>(c);
    }
    for (const Descriptor& c : complete) {
      if (c.platform->os != "unknown" && c.platform->architecture != "unknown") {
        return std::optional<Descriptor>(c);
      }
    }
    return std::optional<Descriptor>();
  }

  absl::Status AddDockerEntry(const Descriptor& manifest, const std::string& name,
                              std::vector<Digest>& order,
                              std::map<Digest, DockerManifestEntry>& docker) {
    auto it = docker.find(manifest.digest);
    if (it == docker.end()) {
      RECLAIM_ASSIGN_OR_RETURN(std::string bytes,
                               store_.content().ReadBlob(manifest.digest, kMaxWalkBlobSize));
      absl::StatusOr<Manifest> m = ParseManifest(bytes);
      if (!m.ok()) {
        return absl::DataLossError("manifest " + manifest.digest.str() + ": " +
                                   std::string(m.status().message()));
      }
      DockerManifestEntry e;
      e.config = BlobPath(m->config.digest);
      for (const Descriptor& l : m->layers) e.layers.push_back(BlobPath(l.digest));
      it = docker.emplace(manifest.digest, std::move(e)).first;
      order.push_back(manifest.digest);
    }
    if (!name.empty()) {
      RECLAIM_ASSIGN_OR_RETURN(std::string familiar, FamiliarTaggedName(name));
      it->second.repo_tags.push_back(std::move(familiar));
    }
    return absl::OkStatus();
  }

  absl::Status CopyBlob(ArchiveWriter& w, const Digest& digest, int64_t size) {
    RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> r, store_.content().OpenBlob(digest));
    RECLAIM_RETURN_IF_ERROR(w.BeginFile(BlobPath(digest), size, 0444));
    Sha256 hash;
    int64_t copied = 0;
    while (true) {
      RECLAIM_ASSIGN_OR_RETURN(std::string chunk, r->Read(kCopyChunk));
      if (chunk.empty()) break;
      copied += static_cast<int64_t>(chunk.size());
      if (copied > size) break;
      hash.Update(chunk);
      RECLAIM_RETURN_IF_ERROR(w.WriteData(chunk));
    }
    if (copied != size) {
      return absl::DataLossError("unexpected copy size for " + BlobPath(digest) + ": " +
                                 std::to_string(copied) + " bytes, expected " +
                                 std::to_string(size));
    }
    const Digest got = hash.Finish();
    if (got != digest) {
      return absl::DataLossError("unexpected digest " + got.str() + " copied for " + digest.str());
    }
    return absl::OkStatus();
  }

  Store& store_;
  const Platform platform_;
  std::map<Digest, int64_t> blobs_;
  std::set<Digest> complete_;
};

}  // namespace

absl::StatusOr<SaveResult> SaveImages(Store& store, const std::vector<std::string>& names,
                                      ByteSink& sink, const SaveOptions& options) {
  Saver saver(store, options);
  return saver.Run(names, sink);
}

}  // namespace reclaim
