#include "imageio/archive_stream.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>

#include "core/status.h"

namespace reclaim {
namespace {

constexpr size_t kReadBufferSize = 256 * 1024;

}  // namespace

StreamCompression DetectStreamCompression(std::string_view head) {
  auto starts = [&](std::string_view magic) { return head.starts_with(magic); };
  if (starts(std::string_view("\x1f\x8b\x08", 3))) return StreamCompression::kGzip;
  if (starts(std::string_view("\x28\xb5\x2f\xfd", 4))) return StreamCompression::kZstd;
  if (head.size() >= 4) {
    // zstd skippable frame: little-endian 0x184D2A5?.
    const auto b = [&](size_t i) { return static_cast<uint8_t>(head[i]); };
    const uint32_t v = b(0) | (b(1) << 8) | (b(2) << 16) | (static_cast<uint32_t>(b(3)) << 24);
    if ((v & 0xFFFFFFF0u) == 0x184D2A50u) return StreamCompression::kZstd;
  }
  if (starts("BZh")) return StreamCompression::kBzip2;
  if (starts(std::string_view("\xfd\x37\x7a\x58\x5a\x00", 6))) return StreamCompression::kXz;
  return StreamCompression::kNone;
}

// ---------------------------------------------------------------- reader

ArchiveReader::ArchiveReader(ByteSource& source) : source_(source), buffer_(kReadBufferSize) {}

ArchiveReader::~ArchiveReader() {
  if (a_ != nullptr) archive_read_free(a_);
}

long ArchiveReader::ReadCallback(struct archive* a, void* self_ptr,  // NOLINT
                                 const void** buffer) {
  auto* self = static_cast<ArchiveReader*>(self_ptr);
  absl::StatusOr<size_t> n = self->source_.Read(self->buffer_.data(), self->buffer_.size());
  if (!n.ok()) {
    self->source_status_ = n.status();
    archive_set_error(a, EIO, "%s", "source read failed");
    return -1;
  }
  *buffer = self->buffer_.data();
  self->consumed_ += static_cast<int64_t>(*n);
  if (*n > 0 && self->tee_) self->tee_(std::string_view(self->buffer_.data(), *n));
  return static_cast<long>(*n);  // NOLINT
}

absl::Status ArchiveReader::Error(std::string_view context) const {
  if (!source_status_.ok()) return source_status_;
  if (consumed_ == 0) return absl::InvalidArgumentError(std::string(context) + ": empty input");
  const char* msg = archive_error_string(a_);
  return absl::InvalidArgumentError(std::string(context) + ": " +
                                    (msg != nullptr ? msg : "unknown archive error"));
}

absl::Status ArchiveReader::Open() {
  if (archive_read_open(a_, this, nullptr, &ArchiveReader::ReadCallback, nullptr) != ARCHIVE_OK) {
    return Error("invalid archive");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ArchiveReader>> ArchiveReader::OpenTar(ByteSource& source,
                                                                      bool allow_compression) {
  std::unique_ptr<ArchiveReader> r(new ArchiveReader(source));
  r->a_ = archive_read_new();
  if (r->a_ == nullptr) return absl::ResourceExhaustedError("archive_read_new failed");
  if (allow_compression) {
    archive_read_support_filter_gzip(r->a_);
    archive_read_support_filter_zstd(r->a_);
    archive_read_support_filter_bzip2(r->a_);
    archive_read_support_filter_xz(r->a_);
  }
  archive_read_support_format_tar(r->a_);
  archive_read_support_format_gnutar(r->a_);
  RECLAIM_RETURN_IF_ERROR(r->Open());
  return r;
}

absl::StatusOr<std::unique_ptr<ArchiveReader>> ArchiveReader::OpenRaw(
    ByteSource& source, std::function<void(std::string_view)> tee) {
  std::unique_ptr<ArchiveReader> r(new ArchiveReader(source));
  r->tee_ = std::move(tee);
  r->a_ = archive_read_new();
  if (r->a_ == nullptr) return absl::ResourceExhaustedError("archive_read_new failed");
  archive_read_support_filter_gzip(r->a_);
  archive_read_support_filter_zstd(r->a_);
  archive_read_support_filter_bzip2(r->a_);
  archive_read_support_filter_xz(r->a_);
  archive_read_support_format_raw(r->a_);
  RECLAIM_RETURN_IF_ERROR(r->Open());
  return r;
}

absl::StatusOr<bool> ArchiveReader::Next() {
  const int rc = archive_read_next_header(a_, &entry_);
  if (rc == ARCHIVE_EOF) {
    entry_ = nullptr;
    return false;
  }
  if (rc == ARCHIVE_OK) return true;
  if (rc == ARCHIVE_WARN) {
    // Warnings (e.g. an unknown pax keyword) still describe a usable entry;
    // a failed source is not a warning.
    if (!source_status_.ok()) return source_status_;
    return true;
  }
  entry_ = nullptr;
  return Error("invalid archive");
}

absl::StatusOr<size_t> ArchiveReader::ReadData(char* buf, size_t n) {
  const la_ssize_t got = archive_read_data(a_, buf, n);
  if (got < 0) return Error("invalid archive");
  return static_cast<size_t>(got);
}

std::string ArchiveReader::FilterName() const {
  const char* name = archive_filter_name(a_, 0);
  return name != nullptr ? name : "";
}

// ---------------------------------------------------------------- writer

ArchiveWriter::~ArchiveWriter() {
  if (a_ != nullptr) archive_write_free(a_);
}

long ArchiveWriter::WriteCallback(struct archive* a, void* self_ptr, const void* buf,  // NOLINT
                                  size_t n) {
  auto* self = static_cast<ArchiveWriter*>(self_ptr);
  absl::Status s = self->sink_.Write(std::string_view(static_cast<const char*>(buf), n));
  if (!s.ok()) {
    self->sink_status_ = s;
    archive_set_error(a, EIO, "%s", "sink write failed");
    return -1;
  }
  return static_cast<long>(n);  // NOLINT
}

absl::Status ArchiveWriter::Error(std::string_view context) const {
  if (!sink_status_.ok()) return sink_status_;
  const char* msg = archive_error_string(a_);
  return absl::InternalError(std::string(context) + ": " +
                             (msg != nullptr ? msg : "unknown archive error"));
}

absl::StatusOr<std::unique_ptr<ArchiveWriter>> ArchiveWriter::Open(ByteSink& sink) {
  std::unique_ptr<ArchiveWriter> w(new ArchiveWriter(sink));
  w->a_ = archive_write_new();
  if (w->a_ == nullptr) return absl::ResourceExhaustedError("archive_write_new failed");
  if (archive_write_set_format_pax_restricted(w->a_) != ARCHIVE_OK ||
      archive_write_add_filter_none(w->a_) != ARCHIVE_OK ||
      archive_write_set_bytes_per_block(w->a_, 64 * 1024) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(w->a_, 1) != ARCHIVE_OK) {
    return w->Error("tar writer setup");
  }
  if (archive_write_open(w->a_, w.get(), nullptr, &ArchiveWriter::WriteCallback, nullptr) !=
      ARCHIVE_OK) {
    return w->Error("tar writer open");
  }
  return w;
}

absl::Status ArchiveWriter::WriteHeader(const std::string& name, int type, int64_t size, int mode) {
  if (remaining_ != 0) {
    return absl::FailedPreconditionError("tar writer: previous entry is " +
                                         std::to_string(remaining_) + " bytes short");
  }
  archive_entry* e = archive_entry_new();
  if (e == nullptr) return absl::ResourceExhaustedError("archive_entry_new failed");
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_filetype(e, static_cast<unsigned>(type));
  archive_entry_set_perm(e, static_cast<mode_t>(mode));
  archive_entry_set_size(e, size);
  archive_entry_set_mtime(e, 0, 0);
  const int rc = archive_write_header(a_, e);
  archive_entry_free(e);
  if (rc != ARCHIVE_OK) return Error("tar header " + name);
  remaining_ = size;
  return absl::OkStatus();
}

absl::Status ArchiveWriter::AddDirectory(const std::string& name, int mode) {
  return WriteHeader(name, AE_IFDIR, 0, mode);
}

absl::Status ArchiveWriter::BeginFile(const std::string& name, int64_t size, int mode) {
  return WriteHeader(name, AE_IFREG, size, mode);
}

absl::Status ArchiveWriter::WriteData(std::string_view bytes) {
  if (static_cast<int64_t>(bytes.size()) > remaining_) {
    return absl::FailedPreconditionError("tar writer: data beyond the entry's declared size");
  }
  size_t done = 0;
  while (done < bytes.size()) {
    const la_ssize_t n = archive_write_data(a_, bytes.data() + done, bytes.size() - done);
    if (n <= 0) return Error("tar data");
    done += static_cast<size_t>(n);
  }
  remaining_ -= static_cast<int64_t>(bytes.size());
  return absl::OkStatus();
}

absl::Status ArchiveWriter::AddFile(const std::string& name, std::string_view content, int mode) {
  RECLAIM_RETURN_IF_ERROR(BeginFile(name, static_cast<int64_t>(content.size()), mode));
  return WriteData(content);
}

absl::Status ArchiveWriter::Finish() {
  if (finished_) return absl::OkStatus();
  if (remaining_ != 0) {
    return absl::FailedPreconditionError("tar writer: last entry is " + std::to_string(remaining_) +
                                         " bytes short");
  }
  finished_ = true;
  if (archive_write_close(a_) != ARCHIVE_OK) return Error("tar close");
  return absl::OkStatus();
}

}  // namespace reclaim
