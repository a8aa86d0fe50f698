// File: imageio/load_docker_archive.cc
//
// Loading a docker-archive (legacy `docker save`: manifest.json with Config,
// RepoTags, Layers): each entry becomes the Docker schema2 manifest containerd's
// ImportIndex builds, written into the store, one target per RepoTag.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/media_types.h"
#include "core/status.h"
#include "imageio/load_internal.h"
#include "imageio/names.h"
#include "imageio/store_writes.h"
#include "imageio/walk.h"

namespace reclaim::load_internal {
namespace {

// containerd DetectCompression (gzip and zstd only) -> Docker layer type.
std::string_view DockerLayerType(std::string_view head) {
  const StreamCompression c = DetectStreamCompression(head);
  if (c == StreamCompression::kGzip || c == StreamCompression::kZstd) {
    return media_types::kDockerLayerGzip;
  }
  return media_types::kDockerLayer;
}

}  // namespace

absl::StatusOr<std::vector<Loader::DockerEntry>> Loader::ParseDockerManifest() {
  absl::StatusOr<json> doc = ParseJson(*manifest_json_);
  if (!doc.ok()) return Invalid("manifest.json: " + Msg(doc.status()));
  if (doc->is_null()) {
    return Invalid("unrecognized image format: manifest.json is null");
  }
  if (!doc->is_array()) {
    return Invalid(std::string("manifest.json: expected a JSON array, got ") + doc->type_name());
  }
  if (static_cast<int64_t>(doc->size()) > opts_.max_images) {
    return Invalid("manifest.json lists more than " + std::to_string(opts_.max_images) + " images");
  }
  std::vector<DockerEntry> out;
  for (size_t i = 0; i < doc->size(); ++i) {
    const json& item = (*doc)[i];
    const std::string where = "manifest.json[" + std::to_string(i) + "]";
    DockerEntry e;
    if (!item.is_null()) {
      if (!item.is_object()) {
        return Invalid(where + ": expected a JSON object, got " + item.type_name());
      }
      RECLAIM_ASSIGN_OR_RETURN(e.config, StringField(item, "Config", where));
      RECLAIM_ASSIGN_OR_RETURN(e.repo_tags, StringListField(item, "RepoTags", where));
      RECLAIM_ASSIGN_OR_RETURN(e.layers, StringListField(item, "Layers", where));
    }
    out.push_back(std::move(e));
  }
  return out;
}

const FileEntry* Loader::FindFile(const std::string& raw) {
  absl::StatusOr<std::string> clean = CleanEntryPath(raw);
  if (!clean.ok()) return nullptr;
  auto it = files_.find(*clean);
  return it == files_.end() ? nullptr : &it->second;
}

absl::Status Loader::LoadUncompressedIndex() {
  if (uncompressed_loaded_) return absl::OkStatus();
  uncompressed_loaded_ = true;
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContentInfo> all, store_.content().ListContent());
  for (ContentInfo& info : all) {
    auto it = info.labels.find("containerd.io/uncompressed");
    if (it == info.labels.end()) continue;
    absl::StatusOr<Digest> u = Digest::Parse(it->second);
    if (!u.ok()) continue;
    // containerd walks content in digest order; the last match wins.
    auto [pos, inserted] = compressed_of_.try_emplace(*u, info);
    if (!inserted && pos->second.digest < info.digest) pos->second = info;
  }
  return absl::OkStatus();
}

absl::StatusOr<Descriptor> Loader::ResolveLayer(const FileEntry& file, bool substitute) {
  Descriptor d;
  d.digest = file.digest;
  d.size = file.size;
  std::string head = file.head;
  if (substitute && opts_.reuse_compressed_layers) {
    RECLAIM_RETURN_IF_ERROR(LoadUncompressedIndex());
    auto it = compressed_of_.find(file.digest);
    if (it != compressed_of_.end()) {
      RECLAIM_RETURN_IF_ERROR(lease_->Protect(it->second.digest));
      absl::StatusOr<std::unique_ptr<BlobReader>> reader =
          store_.content().OpenBlob(it->second.digest);
      if (reader.ok()) {
        RECLAIM_ASSIGN_OR_RETURN(std::string h, (*reader)->Read(10));
        d.digest = it->second.digest;
        d.size = it->second.size;
        // containerd reads 10 bytes with ReadAt; a shorter blob reads as empty.
        head = h.size() < 10 ? std::string() : h;
      } else if (!absl::IsNotFound(reader.status())) {
        return reader.status();
      }
    }
  }
  d.media_type = std::string(DockerLayerType(head));
  return d;
}

absl::StatusOr<Platform> Loader::ConfigPlatform(const Digest& config, const std::string& where) {
  RECLAIM_ASSIGN_OR_RETURN(std::string bytes, ReadJsonBlob(config, where));
  absl::StatusOr<json> doc = ParseJson(bytes);
  if (!doc.ok()) return Invalid(where + ": " + Msg(doc.status()));
  if (!doc->is_object()) {
    return Invalid(where + ": expected a JSON object, got " + doc->type_name());
  }
  Platform p;
  RECLAIM_ASSIGN_OR_RETURN(p.architecture, StringField(*doc, "architecture", where));
  RECLAIM_ASSIGN_OR_RETURN(p.os, StringField(*doc, "os", where));
  RECLAIM_ASSIGN_OR_RETURN(p.os_version, StringField(*doc, "os.version", where));
  RECLAIM_ASSIGN_OR_RETURN(p.os_features, StringListField(*doc, "os.features", where));
  RECLAIM_ASSIGN_OR_RETURN(p.variant, StringField(*doc, "variant", where));
  return NormalizePlatform(std::move(p));
}

absl::StatusOr<Descriptor> Loader::WriteJsonBlob(const std::string& bytes,
                                                 std::string_view media_type) {
  RECLAIM_ASSIGN_OR_RETURN(
      LeasedBlob b, WriteBlobUnderLease(store_, *lease_, bytes, media_type, "-manifest-", {}));
  if (b.written) ++result_.blobs_written;
  archive_blobs_[b.descriptor.digest] = b.descriptor.size;
  return b.descriptor;
}

absl::Status Loader::ResolveDocker() {
  for (const auto& [link, target] : symlinks_) {
    auto it = files_.find(target);
    if (it == files_.end()) {
      return Invalid("no target for symlink layer from " + Quote(link) + " to " + Quote(target));
    }
    files_[link] = it->second;
  }
  RECLAIM_ASSIGN_OR_RETURN(std::vector<DockerEntry> entries, ParseDockerManifest());
  for (size_t i = 0; i < entries.size(); ++i) {
    const DockerEntry& e = entries[i];
    const std::string where = "manifest.json[" + std::to_string(i) + "]";
    const FileEntry* config_file = FindFile(e.config);
    if (config_file == nullptr) {
      return Invalid(where + ": image config " + Quote(e.config) + " not found");
    }
    Descriptor config;
    config.media_type = std::string(media_types::kDockerConfig);
    config.digest = config_file->digest;
    config.size = config_file->size;
    RECLAIM_ASSIGN_OR_RETURN(Platform platform,
                             ConfigPlatform(config.digest, "image config " + Quote(e.config)));
    if (static_cast<int64_t>(e.layers.size()) > opts_.max_layers) {
      return Invalid(where + " has more than " + std::to_string(opts_.max_layers) + " layers");
    }
    // containerd maps each digest to its last occurrence before substituting.
    std::map<Digest, size_t> last_index;
    std::vector<const FileEntry*> files;
    for (size_t k = 0; k < e.layers.size(); ++k) {
      const FileEntry* f = FindFile(e.layers[k]);
      if (f == nullptr) return Invalid(where + ": layer " + Quote(e.layers[k]) + " not found");
      files.push_back(f);
      last_index[f->digest] = k;
    }
    std::vector<Descriptor> layers;
    for (size_t k = 0; k < files.size(); ++k) {
      RECLAIM_ASSIGN_OR_RETURN(Descriptor d,
                               ResolveLayer(*files[k], last_index[files[k]->digest] == k));
      layers.push_back(std::move(d));
    }
    RECLAIM_ASSIGN_OR_RETURN(
        Descriptor manifest,
        WriteJsonBlob(GoJsonDockerManifest(config, layers), media_types::kDockerManifest));
    manifest.platform = std::move(platform);
    RECLAIM_RETURN_IF_ERROR(CheckTarget(manifest, where));
    if (e.repo_tags.empty()) {
      targets_.emplace_back(DanglingImageName(manifest.digest), manifest);
      continue;
    }
    for (const std::string& tag : e.repo_tags) {
      absl::StatusOr<std::string> normalized = NormalizeDockerRef(tag);
      if (!normalized.ok()) {
        return Invalid("normalize image ref " + Quote(tag) + ": " + Msg(normalized.status()));
      }
      Descriptor named = manifest;
      named.annotations[std::string(kAnnotationImageName)] = *normalized;
      named.annotations[std::string(kAnnotationRefName)] = OciReferenceName(*normalized);
      targets_.emplace_back(*normalized, std::move(named));
    }
  }
  if (static_cast<int64_t>(targets_.size()) > opts_.max_images) {
    return Invalid("the archive names more than " + std::to_string(opts_.max_images) + " images");
  }
  return absl::OkStatus();
}

}  // namespace reclaim::load_internal
