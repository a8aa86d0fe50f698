#include "imageio/testing/tar_builder.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdio>
#include <cstdlib>

namespace reclaim {
namespace {

void Check(int rc, struct archive* a, const char* what) {
  if (rc == ARCHIVE_OK || rc == ARCHIVE_WARN) return;
  std::fprintf(stderr, "TarBuilder: %s: %s\n", what, archive_error_string(a));
  std::abort();
}

la_ssize_t Append(struct archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

void AddFilter(struct archive* a, TarCompression c) {
  switch (c) {
    case TarCompression::kNone:
      Check(archive_write_add_filter_none(a), a, "filter");
      break;
    case TarCompression::kGzip:
      Check(archive_write_add_filter_gzip(a), a, "gzip");
      break;
    case TarCompression::kZstd:
      Check(archive_write_add_filter_zstd(a), a, "zstd");
      break;
    case TarCompression::kBzip2:
      Check(archive_write_add_filter_bzip2(a), a, "bzip2");
      break;
    case TarCompression::kXz:
      Check(archive_write_add_filter_xz(a), a, "xz");
      break;
  }
}

}  // namespace

TarBuilder& TarBuilder::File(std::string name, std::string content) {
  entries_.push_back({Kind::kFile, std::move(name), std::move(content)});
  return *this;
}
TarBuilder& TarBuilder::Dir(std::string name) {
  entries_.push_back({Kind::kDir, std::move(name), ""});
  return *this;
}
TarBuilder& TarBuilder::Symlink(std::string name, std::string target) {
  entries_.push_back({Kind::kSymlink, std::move(name), std::move(target)});
  return *this;
}
TarBuilder& TarBuilder::Hardlink(std::string name, std::string target) {
  entries_.push_back({Kind::kHardlink, std::move(name), std::move(target)});
  return *this;
}
TarBuilder& TarBuilder::Special(std::string name, Kind kind) {
  entries_.push_back({kind, std::move(name), ""});
  return *this;
}

std::string TarBuilder::Finish(TarCompression compression) const {
  std::string out;
  struct archive* a = archive_write_new();
  Check(archive_write_set_format_pax_restricted(a), a, "format");
  AddFilter(a, compression);
  Check(archive_write_set_bytes_in_last_block(a, 1), a, "block");
  Check(archive_write_open(a, &out, nullptr, &Append, nullptr), a, "open");
  for (const Entry& e : entries_) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_mtime(entry, 0, 0);
    switch (e.kind) {
      case Kind::kFile:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_size(entry, static_cast<la_int64_t>(e.content.size()));
        break;
      case Kind::kDir:
        archive_entry_set_filetype(entry, AE_IFDIR);
        break;
      case Kind::kSymlink:
        archive_entry_set_filetype(entry, AE_IFLNK);
        archive_entry_set_symlink(entry, e.content.c_str());
        break;
      case Kind::kHardlink:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_hardlink(entry, e.content.c_str());
        break;
      case Kind::kCharDevice:
        archive_entry_set_filetype(entry, AE_IFCHR);
        archive_entry_set_rdev(entry, 0x0103);
        break;
      case Kind::kBlockDevice:
        archive_entry_set_filetype(entry, AE_IFBLK);
        archive_entry_set_rdev(entry, 0x0801);
        break;
      case Kind::kFifo:
        archive_entry_set_filetype(entry, AE_IFIFO);
        break;
    }
    Check(archive_write_header(a, entry), a, "header");
    if (e.kind == Kind::kFile && !e.content.empty()) {
      if (archive_write_data(a, e.content.data(), e.content.size()) !=
          static_cast<la_ssize_t>(e.content.size())) {
        Check(ARCHIVE_FATAL, a, "data");
      }
    }
    archive_entry_free(entry);
  }
  Check(archive_write_close(a), a, "close");
  archive_write_free(a);
  return out;
}

std::string Compress(std::string_view data, TarCompression compression) {
  std::string out;
  struct archive* a = archive_write_new();
  Check(archive_write_set_format_raw(a), a, "raw");
  AddFilter(a, compression);
  Check(archive_write_set_bytes_in_last_block(a, 1), a, "block");
  Check(archive_write_open(a, &out, nullptr, &Append, nullptr), a, "open");
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, "data");
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_size(entry, static_cast<la_int64_t>(data.size()));
  Check(archive_write_header(a, entry), a, "header");
  if (!data.empty()) archive_write_data(a, data.data(), data.size());
  archive_entry_free(entry);
  Check(archive_write_close(a), a, "close");
  archive_write_free(a);
  return out;
}

}  // namespace reclaim
