// File: imageio/load.cc
//
// LoadArchive (imageio/load.h) and its first step: reading the tar stream.
// Every entry is checked (paths, types, sizes, duplicates); the metadata files
// are kept in memory, every other regular file is streamed into the store under
// the load's lease; then Resolve picks the archive format. The other steps are
// in load_oci_layout.cc, load_docker_archive.cc and load_apply.cc.
#include "imageio/load.h"

#include <archive.h>
#include <archive_entry.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json_fields.h"
#include "core/reference.h"
#include "core/status.h"
#include "imageio/load_internal.h"
#include "imageio/names.h"

namespace reclaim::load_internal {
namespace {

constexpr size_t kMaxPathLength = 4096;
constexpr size_t kHeadBytes = 16;

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

}  // namespace

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

absl::StatusOr<LoadResult> Loader::Run(ByteSource& source) {
  const Clock& clock = opts_.clock != nullptr ? *opts_.clock : RealClock();
  RECLAIM_ASSIGN_OR_RETURN(lease_, ScopedLease::Create(store_, clock, "reclaim-load-"));
  RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<ArchiveReader> reader, ArchiveReader::OpenTar(source));
  RECLAIM_RETURN_IF_ERROR(ReadEntries(*reader));
  result_.entries = entries_;
  result_.bytes_read = reader->bytes_consumed();
  RECLAIM_RETURN_IF_ERROR(Resolve());
  if (targets_.empty()) {
    // moby loads nothing and succeeds; the blobs written are then only the
    // lease's, and a user believes something was loaded.
    return Invalid(std::string("the archive holds no image: ") +
                   (result_.format == ArchiveFormat::kOciLayout ? "index.json" : "manifest.json") +
                   " lists none");
  }
  RECLAIM_RETURN_IF_ERROR(Apply());
  return std::move(result_);
}

absl::Status Loader::ReadEntries(ArchiveReader& r) {
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

absl::Status Loader::ProcessEntry(ArchiveReader& r, std::string* path_out, int64_t* size_out) {
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

absl::Status Loader::StreamBlob(ArchiveReader& r, const std::string& path, const std::string& shown,
                                int64_t size) {
  const std::optional<Digest> named = DigestFromBlobPath(path);
  WriterOptions wo;
  wo.ref = lease_->id() + "-" + std::to_string(entries_);
  wo.lease_id = lease_->id();
  wo.expected_size = size;
  if (named.has_value()) wo.expected = *named;
  RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<ContentWriter> w, store_.content().Writer(wo));
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

absl::Status Loader::Resolve() {
  std::string layout_version;
  if (oci_layout_.has_value()) {
    absl::StatusOr<json> doc = ParseJson(*oci_layout_);
    if (!doc.ok()) return Invalid("oci-layout: " + Msg(doc.status()));
    if (!doc->is_object()) {
      return Invalid(std::string("oci-layout: expected a JSON object, got ") + doc->type_name());
    }
    RECLAIM_ASSIGN_OR_RETURN(layout_version, StringField(*doc, "imageLayoutVersion", "oci-layout"));
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
  return Invalid("unrecognized image format: the archive has neither index.json nor manifest.json");
}

}  // namespace reclaim::load_internal

namespace reclaim {

bool LoadedImage::dangling() const { return IsDanglingName(name, target.digest); }

std::string LoadedImage::Message() const {
  if (dangling()) return "Loaded image ID: " + target.digest.str();
  absl::StatusOr<Reference> r = ParseNormalizedNamed(name);
  return "Loaded image: " + (r.ok() ? TagNameOnly(*r).FamiliarString() : name);
}

absl::StatusOr<LoadResult> LoadArchive(Store& store, ByteSource& source,
                                       const LoadOptions& options) {
  load_internal::Loader loader(store, options);
  return loader.Run(source);
}

}  // namespace reclaim
