#include "imageio/load.h"

#include <archive.h>
#include <archive_entry.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "core/digest.h"
#include "core/json_fields.h"
#include "core/media_types.h"
#include "core/reference.h"
#include "core/status.h"
#include "imageio/archive_stream.h"
#include "imageio/go_json.h"
#include "imageio/names.h"
#include "imageio/scoped_lease.h"
#include "imageio/store_writes.h"
#include "imageio/walk.h"

namespace reclaim {
namespace {

using json = nlohmann::json;

constexpr size_t kCopyBufferSize = 256 * 1024;
constexpr size_t kMaxPathLength = 4096;
constexpr size_t kHeadBytes = 16;

absl::Status Invalid(const std::string& msg) { return absl::InvalidArgumentError(msg); }

// A name for messages: quoted and escaped like Go's %q would (close enough).
std::string Quote(std::string_view s) { return GoJsonString(s); }

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

// "a/./b//c/" -> "a/b/c". Absolute paths and ".." are refused.
absl::StatusOr<std::string> CleanEntryPath(std::string_view raw) {
  if (raw.empty()) return Invalid("archive entry with an empty name");
  if (raw.size() > kMaxPathLength) {
    return Invalid("archive entry name longer than " + std::to_string(kMaxPathLength) + " bytes");
  }
  if (raw.front() == '/') {
    return Invalid("archive entry " + Quote(raw) + ": absolute paths are not allowed");
  }
  std::string out;
  size_t pos = 0;
  while (pos <= raw.size()) {
    size_t slash = raw.find('/', pos);
    if (slash == std::string_view::npos) slash = raw.size();
    std::string_view part = raw.substr(pos, slash - pos);
    pos = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      return Invalid("archive entry " + Quote(raw) + ": \"..\" path components are not allowed");
    }
    if (!out.empty()) out += '/';
    out.append(part.data(), part.size());
  }
  return out;
}

// Resolves a relative symlink target against the link's directory; refuses to
// leave the archive root.
absl::StatusOr<std::string> ResolveLink(const std::string& link, std::string_view target) {
  if (target.empty()) return Invalid("symlink " + Quote(link) + " has an empty target");
  if (target.front() == '/') {
    return Invalid("symlink " + Quote(link) + " points to an absolute path " + Quote(target));
  }
  std::vector<std::string> parts;
  const size_t last = link.rfind('/');
  std::string joined =
      (last == std::string::npos ? std::string() : link.substr(0, last + 1)) + std::string(target);
  size_t pos = 0;
  while (pos <= joined.size()) {
    size_t slash = joined.find('/', pos);
    if (slash == std::string::npos) slash = joined.size();
    std::string part = joined.substr(pos, slash - pos);
    pos = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) {
        return Invalid("symlink " + Quote(link) + " points outside the archive: " + Quote(target));
      }
      parts.pop_back();
      continue;
    }
    parts.push_back(std::move(part));
  }
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

// "blobs/sha256/<64 lowercase hex>" -> the digest.
std::optional<Digest> DigestFromBlobPath(std::string_view path) {
  constexpr std::string_view kPrefix = "blobs/sha256/";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  absl::StatusOr<Digest> d = Digest::FromSha256Hex(path.substr(kPrefix.size()));
  if (!d.ok()) return std::nullopt;
  return *d;
}

absl::StatusOr<std::string> StringField(const json& object, std::string_view name,
                                        const std::string& where) {
  const json* v = FindJsonField(object, name);
  if (v == nullptr) return std::string();
  if (!v->is_string()) {
    return Invalid(where + ": " + std::string(name) + ": expected a string, got " + v->type_name());
  }
  return v->get<std::string>();
}

absl::StatusOr<std::vector<std::string>> StringListField(const json& object, std::string_view name,
                                                         const std::string& where) {
  std::vector<std::string> out;
  const json* v = FindJsonField(object, name);
  if (v == nullptr) return out;
  if (!v->is_array()) {
    return Invalid(where + ": " + std::string(name) + ": expected an array of strings, got " +
                   v->type_name());
  }
  for (const json& item : *v) {
    if (!item.is_string()) {
      return Invalid(where + ": " + std::string(name) + ": expected an array of strings");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

struct FileEntry {
  Digest digest;
  int64_t size = 0;
  std::string head;  // first bytes, for compression sniffing
};

enum class Presence { kMissing, kIncomplete, kComplete };

struct NodeState {
  Presence presence = Presence::kComplete;
  std::string missing;  // what makes it incomplete
};

class Loader {
 public:
  Loader(Store& store, const LoadOptions& options)
      : store_(store), opts_(options), buffer_(kCopyBufferSize) {}

  absl::StatusOr<LoadResult> Run(ByteSource& source) {
    const Clock& clock = opts_.clock != nullptr ? *opts_.clock : RealClock();
    RECLAIM_ASSIGN_OR_RETURN(lease_, ScopedLease::Create(store_, clock, "reclaim-load-"));
    RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<ArchiveReader> reader, ArchiveReader::OpenTar(source));
    RECLAIM_RETURN_IF_ERROR(ReadEntries(*reader));
    result_.entries = entries_;
    result_.bytes_read = reader->bytes_consumed();
    RECLAIM_RETURN_IF_ERROR(Resolve());
    RECLAIM_RETURN_IF_ERROR(Apply());
    return std::move(result_);
  }

 private:
  // ------------------------------------------------------------ reading

  absl::Status ReadEntries(ArchiveReader& r) {
    while (true) {
      RECLAIM_ASSIGN_OR_RETURN(bool more, r.Next());
      if (!more) return absl::OkStatus();
      if (++entries_ > opts_.max_entries) {
        return Invalid("archive has more than " + std::to_string(opts_.max_entries) + " entries");
      }
      std::string path;
      int64_t size = 0;
      RECLAIM_RETURN_IF_ERROR(ProcessEntry(r, &path, &size));
      if (opts_.progress) {
        opts_.progress(LoadProgress{path, size, entries_, r.bytes_consumed()});
      }
    }
  }

  absl::Status ProcessEntry(ArchiveReader& r, std::string* path_out, int64_t* size_out) {
    archive_entry* e = r.entry();
    const char* raw = archive_entry_pathname(e);
    if (raw == nullptr) return Invalid("archive entry with an unreadable name");
    RECLAIM_ASSIGN_OR_RETURN(std::string path, CleanEntryPath(raw));
    *path_out = path;
    const std::string shown = "archive entry " + Quote(raw);
    if (archive_entry_hardlink(e) != nullptr) {
      return Invalid(shown + ": hard links are not allowed");
    }
    const auto type = archive_entry_filetype(e);
    if (type == AE_IFDIR) return absl::OkStatus();
    if (path.empty()) return Invalid(shown + ": a non-directory entry names the archive root");
    if (!seen_.insert(path).second) return Invalid("duplicate " + shown);

    if (type == AE_IFLNK) {
      const char* target = archive_entry_symlink(e);
      if (target == nullptr) return Invalid(shown + ": symlink without a readable target");
      RECLAIM_ASSIGN_OR_RETURN(std::string resolved, ResolveLink(path, target));
      symlinks_[path] = std::move(resolved);
      return absl::OkStatus();
    }
    if (type != AE_IFREG) {
      std::string kind = "special file";
      if (type == AE_IFCHR) kind = "character device";
      if (type == AE_IFBLK) kind = "block device";
      if (type == AE_IFIFO) kind = "fifo";
      if (type == AE_IFSOCK) kind = "socket";
      return Invalid(shown + ": entries of type " + kind + " are not allowed");
    }
    if (archive_entry_sparse_count(e) > 0) return Invalid(shown + ": sparse files are not allowed");
    if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0) {
      return Invalid(shown + ": no valid size");
    }
    const int64_t size = archive_entry_size(e);
    *size_out = size;
    if (size > opts_.max_blob_size) {
      return Invalid(shown + " is " + std::to_string(size) + " bytes, more than the limit of " +
                     std::to_string(opts_.max_blob_size));
    }

    std::optional<std::string>* meta = nullptr;
    if (path == "manifest.json") meta = &manifest_json_;
    if (path == "index.json") meta = &index_json_;
    if (path == "oci-layout") meta = &oci_layout_;
    if (path == "repositories") meta = &repositories_;
    if (meta != nullptr) {
      if (size > opts_.max_json_size) {
        return Invalid(path + " is " + std::to_string(size) + " bytes, more than the limit of " +
                       std::to_string(opts_.max_json_size));
      }
      std::string text;
      text.reserve(static_cast<size_t>(size));
      while (true) {
        RECLAIM_ASSIGN_OR_RETURN(size_t n, r.ReadData(buffer_.data(), buffer_.size()));
        if (n == 0) break;
        if (static_cast<int64_t>(text.size() + n) > size)
          return Invalid(shown + ": longer than its header says");
        text.append(buffer_.data(), n);
      }
      if (static_cast<int64_t>(text.size()) != size) {
        return Invalid(shown + " is truncated: " + std::to_string(text.size()) + " of " +
                       std::to_string(size) + " bytes");
      }
      *meta = std::move(text);
      return absl::OkStatus();
    }
    return StreamBlob(r, path, shown, size);
  }

  absl::Status StreamBlob(ArchiveReader& r, const std::string& path, const std::string& shown,
                          int64_t size) {
    const std::optional<Digest> named = DigestFromBlobPath(path);
    WriterOptions wo;
    wo.ref = lease_->id() + "-" + std::to_string(entries_);
    wo.lease_id = lease_->id();
    wo.expected_size = size;
    if (named.has_value()) wo.expected = *named;
    RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<ContentWriter> w, store_.Writer(wo));
    Sha256 hash;
    std::string head;
    int64_t total = 0;
    while (true) {
      RECLAIM_ASSIGN_OR_RETURN(size_t n, r.ReadData(buffer_.data(), buffer_.size()));
      if (n == 0) break;
      total += static_cast<int64_t>(n);
      if (total > size) return Invalid(shown + ": longer than its header says");
      const std::string_view chunk(buffer_.data(), n);
      if (head.size() < kHeadBytes) head.append(chunk.substr(0, kHeadBytes - head.size()));
      if (!named.has_value()) hash.Update(chunk);
      absl::Status s = w->Write(chunk);
      if (absl::IsFailedPrecondition(s)) return Invalid(shown + ": " + Msg(s));
      RECLAIM_RETURN_IF_ERROR(s);
    }
    if (total != size) {
      return Invalid(shown + " is truncated: " + std::to_string(total) + " of " +
                     std::to_string(size) + " bytes");
    }
    const Digest digest = named.has_value() ? *named : hash.Finish();
    absl::Status s = w->Commit(size, digest, {});
    if (absl::IsAlreadyExists(s)) {
      RECLAIM_RETURN_IF_ERROR(lease_->Protect(digest));
    } else if (absl::IsFailedPrecondition(s)) {
      return Invalid(shown + ": content does not match its name: " + Msg(s));
    } else if (!s.ok()) {
      return s;
    } else {
      ++result_.blobs_written;
    }
    files_[path] = FileEntry{digest, size, std::move(head)};
    archive_blobs_[digest] = size;
    return absl::OkStatus();
  }

  // ------------------------------------------------------------ resolving

  absl::Status Resolve() {
    std::string layout_version;
    if (oci_layout_.has_value()) {
      absl::StatusOr<json> doc = ParseJson(*oci_layout_);
      if (!doc.ok()) return Invalid("oci-layout: " + Msg(doc.status()));
      if (!doc->is_object()) {
        return Invalid(std::string("oci-layout: expected a JSON object, got ") + doc->type_name());
      }
      RECLAIM_ASSIGN_OR_RETURN(layout_version,
                               StringField(*doc, "imageLayoutVersion", "oci-layout"));
      if (!layout_version.empty() && layout_version != "1.0.0") {
        return Invalid("unsupported OCI version " + layout_version);
      }
    }
    if (index_json_.has_value()) {
      result_.format = ArchiveFormat::kOciLayout;
      return ResolveOci();
    }
    if (!layout_version.empty()) return Invalid("missing index.json in OCI layout 1.0.0");
    if (manifest_json_.has_value()) {
      result_.format = ArchiveFormat::kDockerArchive;
      return ResolveDocker();
    }
    return Invalid(
        "unrecognized image format: the archive has neither index.json nor manifest.json");
  }

  absl::Status ResolveOci() {
    absl::StatusOr<Index> index = ParseIndex(*index_json_);
    if (!index.ok()) return Invalid("index.json: " + Msg(index.status()));
    if (static_cast<int64_t>(index->manifests.size()) > opts_.max_images) {
      return Invalid("index.json lists more than " + std::to_string(opts_.max_images) + " images");
    }
    for (size_t i = 0; i < index->manifests.size(); ++i) {
      const Descriptor& m = index->manifests[i];
      const std::string where = "index.json manifests[" + std::to_string(i) + "]";
      RECLAIM_RETURN_IF_ERROR(CheckTarget(m, where));
      const std::string raw = ImageNameFromAnnotations(m.annotations);
      absl::StatusOr<std::string> name = raw.empty()
                                             ? absl::StatusOr<std::string>(absl::NotFoundError(""))
                                             : NormalizeDockerRef(raw);
      targets_.emplace_back(name.ok() ? *name : DanglingImageName(m.digest), m);
    }
    return absl::OkStatus();
  }

  struct DockerEntry {
    std::string config;
    std::vector<std::string> repo_tags;
    std::vector<std::string> layers;
  };

  absl::StatusOr<std::vector<DockerEntry>> ParseDockerManifest() {
    absl::StatusOr<json> doc = ParseJson(*manifest_json_);
    if (!doc.ok()) return Invalid("manifest.json: " + Msg(doc.status()));
    if (doc->is_null()) {
      return Invalid("unrecognized image format: manifest.json is null");
    }
    if (!doc->is_array()) {
      return Invalid(std::string("manifest.json: expected a JSON array, got ") + doc->type_name());
    }
    if (static_cast<int64_t>(doc->size()) > opts_.max_images) {
      return Invalid("manifest.json lists more than " + std::to_string(opts_.max_images) +
                     " images");
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

  // The archive file a manifest.json path names (symlinks resolved), or null.
  const FileEntry* FindFile(const std::string& raw) {
    absl::StatusOr<std::string> clean = CleanEntryPath(raw);
    if (!clean.ok()) return nullptr;
    auto it = files_.find(*clean);
    return it == files_.end() ? nullptr : &it->second;
  }

  // containerd DetectCompression (gzip and zstd only) -> Docker layer type.
  static std::string_view DockerLayerType(std::string_view head) {
    const StreamCompression c = DetectStreamCompression(head);
    if (c == StreamCompression::kGzip || c == StreamCompression::kZstd) {
      return media_types::kDockerLayerGzip;
    }
    return media_types::kDockerLayer;
  }

  absl::Status LoadUncompressedIndex() {
    if (uncompressed_loaded_) return absl::OkStatus();
    uncompressed_loaded_ = true;
    RECLAIM_ASSIGN_OR_RETURN(std::vector<ContentInfo> all, store_.ListContent());
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

  absl::StatusOr<Descriptor> ResolveLayer(const FileEntry& file, bool substitute) {
    Descriptor d;
    d.digest = file.digest;
    d.size = file.size;
    std::string head = file.head;
    if (substitute && opts_.reuse_compressed_layers) {
      RECLAIM_RETURN_IF_ERROR(LoadUncompressedIndex());
      auto it = compressed_of_.find(file.digest);
      if (it != compressed_of_.end()) {
        RECLAIM_RETURN_IF_ERROR(lease_->Protect(it->second.digest));
        absl::StatusOr<std::unique_ptr<BlobReader>> reader = store_.OpenBlob(it->second.digest);
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

  absl::StatusOr<Platform> ConfigPlatform(const Digest& config, const std::string& where) {
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

  absl::StatusOr<Descriptor> WriteJsonBlob(const std::string& bytes, std::string_view media_type) {
    RECLAIM_ASSIGN_OR_RETURN(
        LeasedBlob b, WriteBlobUnderLease(store_, *lease_, bytes, media_type, "-manifest-", {}));
    if (b.written) ++result_.blobs_written;
    archive_blobs_[b.descriptor.digest] = b.descriptor.size;
    return b.descriptor;
  }

  absl::Status ResolveDocker() {
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

  // ------------------------------------------------------------ graph checks

  // Size of the blob in the archive or, failing that, in the store (which is
  // then protected by the lease). NotFound when in neither.
  absl::StatusOr<int64_t> Lookup(const Digest& d) {
    if (auto it = archive_blobs_.find(d); it != archive_blobs_.end()) return it->second;
    if (auto it = store_sizes_.find(d); it != store_sizes_.end()) {
      if (it->second < 0) return absl::NotFoundError(d.str());
      return it->second;
    }
    RECLAIM_RETURN_IF_ERROR(lease_->Protect(d));
    absl::StatusOr<ContentInfo> info = store_.Info(d);
    if (!info.ok()) {
      if (!absl::IsNotFound(info.status())) return info.status();
      store_sizes_[d] = -1;
      return absl::NotFoundError(d.str());
    }
    store_sizes_[d] = info->size;
    return info->size;
  }

  absl::StatusOr<std::string> ReadJsonBlob(const Digest& d, const std::string& where) {
    absl::StatusOr<std::string> bytes = store_.ReadBlob(d, opts_.max_json_size);
    if (absl::IsResourceExhausted(bytes.status())) {
      return Invalid(where + ": " + d.str() + " is larger than the limit of " +
                     std::to_string(opts_.max_json_size) + " bytes");
    }
    if (absl::IsNotFound(bytes.status())) return Invalid(where + ": " + d.str() + " vanished");
    return bytes;
  }

  absl::StatusOr<Presence> Check(const Descriptor& d, const std::string& where, int depth) {
    absl::StatusOr<int64_t> size = Lookup(d.digest);
    if (!size.ok()) {
      if (absl::IsNotFound(size.status())) return Presence::kMissing;
      return size.status();
    }
    if (*size != d.size) {
      return Invalid(where + ": size mismatch for " + d.digest.str() + ": the descriptor says " +
                     std::to_string(d.size) + " bytes, the blob has " + std::to_string(*size));
    }
    const bool manifest = IsManifest(d.media_type);
    const bool index = IsIndex(d.media_type);
    const bool config = IsConfig(d.media_type);
    if (!manifest && !index && !config) return Presence::kComplete;

    const std::string key = d.digest.str() + " " + d.media_type;
    if (auto it = memo_.find(key); it != memo_.end()) return it->second.presence;
    if (config) {
      RECLAIM_ASSIGN_OR_RETURN(std::string bytes, ReadJsonBlob(d.digest, where));
      absl::StatusOr<json> doc = ParseJson(bytes);
      if (!doc.ok()) return Invalid(where + " (" + d.digest.str() + "): " + Msg(doc.status()));
      if (!doc->is_object()) {
        return Invalid(where + " (" + d.digest.str() + "): expected a JSON object, got " +
                       doc->type_name());
      }
      memo_[key] = NodeState{};
      return Presence::kComplete;
    }
    if (++nodes_ > opts_.max_graph_nodes) {
      return Invalid("the image graph has more than " + std::to_string(opts_.max_graph_nodes) +
                     " manifests and indexes");
    }
    if (depth > opts_.max_index_depth) {
      return Invalid(where + ": indexes nested deeper than " +
                     std::to_string(opts_.max_index_depth) + " levels");
    }
    const std::string here = where + " (" + d.digest.str() + ")";
    RECLAIM_ASSIGN_OR_RETURN(std::string bytes, ReadJsonBlob(d.digest, where));
    if (absl::Status s = ValidateMediaType(bytes, d.media_type); !s.ok()) {
      return Invalid(here + ": " + Msg(s));
    }
    NodeState st;
    if (manifest) {
      absl::StatusOr<Manifest> m = ParseManifest(bytes);
      if (!m.ok()) return Invalid(here + ": " + Msg(m.status()));
      if (static_cast<int64_t>(m->layers.size()) > opts_.max_layers) {
        return Invalid(here + " has more than " + std::to_string(opts_.max_layers) + " layers");
      }
      std::vector<Descriptor> children;
      children.push_back(m->config);
      children.insert(children.end(), m->layers.begin(), m->layers.end());
      labels_[d.digest] = ChildGcLabels(children);
      RECLAIM_ASSIGN_OR_RETURN(Presence cfg, Check(m->config, here + " config", depth));
      if (cfg == Presence::kMissing) {
        st = {Presence::kIncomplete, "config " + m->config.digest.str()};
      }
      for (size_t i = 0; i < m->layers.size(); ++i) {
        const Descriptor& layer = m->layers[i];
        RECLAIM_ASSIGN_OR_RETURN(Presence p,
                                 Check(layer, here + " layers[" + std::to_string(i) + "]", depth));
        if (p == Presence::kMissing && !IsNonDistributable(layer.media_type) &&
            st.presence == Presence::kComplete) {
          st = {Presence::kIncomplete, "layer " + layer.digest.str()};
        }
      }
    } else {
      absl::StatusOr<Index> idx = ParseIndex(bytes);
      if (!idx.ok()) return Invalid(here + ": " + Msg(idx.status()));
      if (static_cast<int64_t>(idx->manifests.size()) > opts_.max_images) {
        return Invalid(here + " lists more than " + std::to_string(opts_.max_images) +
                       " manifests");
      }
      labels_[d.digest] = ChildGcLabels(idx->manifests);
      bool any = false;
      for (size_t i = 0; i < idx->manifests.size(); ++i) {
        RECLAIM_ASSIGN_OR_RETURN(
            Presence p,
            Check(idx->manifests[i], here + " manifests[" + std::to_string(i) + "]", depth + 1));
        if (p == Presence::kComplete) any = true;
      }
      if (!any) st = {Presence::kIncomplete, "every manifest of the index"};
    }
    memo_[key] = st;
    return st.presence;
  }

  absl::Status CheckTarget(const Descriptor& d, const std::string& where) {
    if (!IsManifest(d.media_type) && !IsIndex(d.media_type)) {
      return Invalid(where + ": unsupported media type " + Quote(d.media_type) +
                     " (an image target must be a manifest or an index)");
    }
    RECLAIM_ASSIGN_OR_RETURN(Presence p, Check(d, where, 0));
    if (p == Presence::kMissing) {
      return Invalid(where + ": blob " + d.digest.str() +
                     " is missing (neither in the archive nor in the store)");
    }
    if (p == Presence::kIncomplete) {
      return Invalid(where + ": image " + d.digest.str() + " is incomplete: missing " +
                     memo_[d.digest.str() + " " + d.media_type].missing);
    }
    return absl::OkStatus();
  }

  // ------------------------------------------------------------ applying

  absl::Status Apply() {
    for (const auto& [digest, labels] : labels_) {
      if (labels.empty()) continue;
      RECLAIM_RETURN_IF_ERROR(store_.UpdateContentLabels(digest, labels).status());
    }
    for (const auto& [name, target] : targets_) {
      RECLAIM_ASSIGN_OR_RETURN(ImageUpsert u, CreateOrUpdateImage(store_, name, target));
      LoadedImage li;
      li.name = name;
      li.target = target;
      li.created = u.created;
      li.previous_target = std::move(u.previous_target);
      result_.images.push_back(std::move(li));
    }
    return absl::OkStatus();
  }

  Store& store_;
  const LoadOptions& opts_;
  std::unique_ptr<ScopedLease> lease_;
  std::vector<char> buffer_;
  LoadResult result_;
  int64_t entries_ = 0;
  int64_t nodes_ = 0;

  std::set<std::string> seen_;
  std::map<std::string, FileEntry> files_;
  std::map<std::string, std::string> symlinks_;
  absl::flat_hash_map<Digest, int64_t> archive_blobs_;
  absl::flat_hash_map<Digest, int64_t> store_sizes_;
  std::optional<std::string> manifest_json_, index_json_, oci_layout_, repositories_;

  bool uncompressed_loaded_ = false;
  std::map<Digest, ContentInfo> compressed_of_;

  absl::flat_hash_map<std::string, NodeState> memo_;
  std::map<Digest, Labels> labels_;
  std::vector<std::pair<std::string, Descriptor>> targets_;
};

}  // namespace

bool LoadedImage::dangling() const { return IsDanglingName(name, target.digest); }

std::string LoadedImage::Message() const {
  if (dangling()) return "Loaded image ID: " + target.digest.str();
  absl::StatusOr<Reference> r = ParseNormalizedNamed(name);
  return "Loaded image: " + (r.ok() ? TagNameOnly(*r).FamiliarString() : name);
}

absl::StatusOr<LoadResult> LoadArchive(Store& store, ByteSource& source,
                                       const LoadOptions& options) {
  Loader loader(store, options);
  return loader.Run(source);
}

}  // namespace reclaim
