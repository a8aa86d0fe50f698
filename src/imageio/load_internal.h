// File: imageio/load_internal.h
//
// The machinery behind LoadArchive (imageio/load.h), shared by the files that
// implement it; nothing outside imageio/load*.cc includes this. One Loader runs
// one load, in three steps, each in the file named for its concept:
//
//   load.cc                 read the tar stream: check every entry, keep the
//                           metadata files, stream every other file into the
//                           store under the load's lease; then pick the format
//   load_oci_layout.cc      OCI layout: index.json entries become targets
//   load_docker_archive.cc  docker-archive: manifest.json entries become
//                           Docker schema2 manifests (as containerd builds them)
//   load_apply.cc           check each target's graph (sizes, presence,
//                           limits), then set the gc labels and write the
//                           image records
//
// Thread-safety: a Loader is used by one thread for one load.
#ifndef RECLAIM_IMAGEIO_LOAD_INTERNAL_H_
#define RECLAIM_IMAGEIO_LOAD_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/descriptor.h"
#include "core/digest.h"
#include "imageio/archive_stream.h"
#include "imageio/byte_stream.h"
#include "imageio/go_json.h"
#include "imageio/load.h"
#include "imageio/scoped_lease.h"
#include "store/store.h"

namespace reclaim::load_internal {

using json = nlohmann::json;

inline constexpr size_t kCopyBufferSize = 256 * 1024;

inline absl::Status Invalid(const std::string& msg) { return absl::InvalidArgumentError(msg); }

// A name for messages: quoted and escaped like Go's %q would (close enough).
inline std::string Quote(std::string_view s) { return GoJsonString(s); }

inline std::string Msg(const absl::Status& s) { return std::string(s.message()); }

// "a/./b//c/" -> "a/b/c". Absolute paths and ".." are refused.
absl::StatusOr<std::string> CleanEntryPath(std::string_view raw);

// A string / string-list member of a JSON object (Go's field lookup, null is
// absent); a wrong type is InvalidArgument naming `where` and `name`.
absl::StatusOr<std::string> StringField(const json& object, std::string_view name,
                                        const std::string& where);
absl::StatusOr<std::vector<std::string>> StringListField(const json& object, std::string_view name,
                                                         const std::string& where);

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

  absl::StatusOr<LoadResult> Run(ByteSource& source);

 private:
  // ------------------------------------------------------------ reading (load.cc)

  absl::Status ReadEntries(ArchiveReader& r);
  absl::Status ProcessEntry(ArchiveReader& r, std::string* path_out, int64_t* size_out);
  absl::Status StreamBlob(ArchiveReader& r, const std::string& path, const std::string& shown,
                          int64_t size);
  absl::Status Resolve();

  // ------------------------------------------------------------ OCI layout (load_oci_layout.cc)

  absl::Status ResolveOci();

  // ------------------------------------------------------------ docker-archive
  // (load_docker_archive.cc)

  struct DockerEntry {
    std::string config;
    std::vector<std::string> repo_tags;
    std::vector<std::string> layers;
  };

  absl::StatusOr<std::vector<DockerEntry>> ParseDockerManifest();
  // The archive file a manifest.json path names (symlinks resolved), or null.
  const FileEntry* FindFile(const std::string& raw);
  absl::Status LoadUncompressedIndex();
  absl::StatusOr<Descriptor> ResolveLayer(const FileEntry& file, bool substitute);
  absl::StatusOr<Platform> ConfigPlatform(const Digest& config, const std::string& where);
  absl::StatusOr<Descriptor> WriteJsonBlob(const std::string& bytes, std::string_view media_type);
  absl::Status ResolveDocker();

  // ------------------------------------------------------------ graph checks and
  // applying (load_apply.cc)

  // Size of the blob in the archive or, failing that, in the store (which is
  // then protected by the lease). NotFound when in neither.
  absl::StatusOr<int64_t> Lookup(const Digest& d);
  absl::StatusOr<std::string> ReadJsonBlob(const Digest& d, const std::string& where);
  absl::StatusOr<Presence> Check(const Descriptor& d, const std::string& where, int depth);
  absl::Status CheckTarget(const Descriptor& d, const std::string& where);
  absl::Status Apply();

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

}  // namespace reclaim::load_internal

#endif  // RECLAIM_IMAGEIO_LOAD_INTERNAL_H_
