// File: imageio/archive_stream.h
//
// Thin RAII wrappers over libarchive for streaming tar archives through the
// ByteSource/ByteSink interfaces (imageio/byte_stream.h). Used by load, save and
// import; not meant for other modules.
//
//   RECLAIM_ASSIGN_OR_RETURN(auto r, ArchiveReader::OpenTar(source));
//   while (true) {
//     RECLAIM_ASSIGN_OR_RETURN(bool more, r->Next());
//     if (!more) break;
//     ... r->entry() ..., r->ReadData(buf, n) until 0
//   }
//
// Errors: a failure of the source or sink is returned unchanged; anything
// libarchive rejects (bad headers, truncation, corrupt compression) is
// InvalidArgument "<context>: <libarchive message>".
//
// Thread-safety: one thread at a time per object.
#ifndef RECLAIM_IMAGEIO_ARCHIVE_STREAM_H_
#define RECLAIM_IMAGEIO_ARCHIVE_STREAM_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "imageio/byte_stream.h"

struct archive;
struct archive_entry;

namespace reclaim {

// The compression a stream's first bytes show (magic numbers: gzip 1f 8b 08,
// zstd 28 b5 2f fd or a skippable frame, bzip2 "BZh", xz fd 37 7a 58 5a 00).
enum class StreamCompression { kNone, kGzip, kZstd, kBzip2, kXz };
StreamCompression DetectStreamCompression(std::string_view head);

class ArchiveReader {
 public:
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // A tar archive (ustar, pax, gnu), optionally compressed with gzip, zstd,
  // bzip2 or xz (docker load accepts all four).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ArchiveReader>> OpenTar(
      ByteSource& source, bool allow_compression = true);
  // One "raw" entry holding the decompressed bytes of a gzip/zstd/bzip2/xz
  // stream, or the bytes unchanged when uncompressed. `tee`, when set, sees
  // every chunk pulled from the source (before decompression), from the first.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ArchiveReader>> OpenRaw(
      ByteSource& source, std::function<void(std::string_view)> tee = nullptr);

  // Advances to the next entry; false at the end of the archive.
  [[nodiscard]] absl::StatusOr<bool> Next();
  archive_entry* entry() const { return entry_; }
  // Reads up to `n` bytes of the current entry's data; 0 at its end.
  [[nodiscard]] absl::StatusOr<size_t> ReadData(char* buf, size_t n);

  // Bytes pulled from the source so far.
  int64_t bytes_consumed() const { return consumed_; }
  // libarchive's name for the outermost filter ("none", "gzip", "zstd", ...).
  std::string FilterName() const;

 private:
  explicit ArchiveReader(ByteSource& source);
  [[nodiscard]] absl::Status Open();
  absl::Status Error(std::string_view context) const;
  static long ReadCallback(struct archive*, void* self, const void** buffer);  // NOLINT

  ByteSource& source_;
  struct archive* a_ = nullptr;
  archive_entry* entry_ = nullptr;
  std::vector<char> buffer_;
  absl::Status source_status_;
  int64_t consumed_ = 0;
  std::function<void(std::string_view)> tee_;
};

// Writes a pax (restricted: ustar when possible) tar archive to a ByteSink.
class ArchiveWriter {
 public:
  ~ArchiveWriter();
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ArchiveWriter>> Open(ByteSink& sink);

  [[nodiscard]] absl::Status AddDirectory(const std::string& name, int mode = 0755);
  // Starts a regular file of exactly `size` bytes; WriteData must then supply them.
  [[nodiscard]] absl::Status BeginFile(const std::string& name, int64_t size, int mode = 0644);
  [[nodiscard]] absl::Status WriteData(std::string_view bytes);
  [[nodiscard]] absl::Status AddFile(const std::string& name, std::string_view content,
                                     int mode = 0644);
  // Writes the end-of-archive marker and flushes. Required for a valid archive.
  [[nodiscard]] absl::Status Finish();

 private:
  explicit ArchiveWriter(ByteSink& sink) : sink_(sink) {}
  absl::Status Error(std::string_view context) const;
  absl::Status WriteHeader(const std::string& name, int type, int64_t size, int mode);
  static long WriteCallback(struct archive*, void* self, const void* buf, size_t n);  // NOLINT

  ByteSink& sink_;
  struct archive* a_ = nullptr;
  absl::Status sink_status_;
  int64_t remaining_ = 0;
  bool finished_ = false;
};

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_ARCHIVE_STREAM_H_
