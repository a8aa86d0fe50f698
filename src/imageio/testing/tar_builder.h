// File: imageio/testing/tar_builder.h
//
// Builds tar archives in memory for tests, with libarchive's writer, including
// the entries a hostile archive would carry (absolute paths, links, devices).
//
//   TarBuilder tar;
//   tar.File("manifest.json", "[]").Symlink("a/layer.tar", "../b/layer.tar");
//   std::string bytes = tar.Finish();          // or Finish(TarCompression::kGzip)
//
// Thread-safety: one thread at a time.
#ifndef RECLAIM_IMAGEIO_TESTING_TAR_BUILDER_H_
#define RECLAIM_IMAGEIO_TESTING_TAR_BUILDER_H_

#include <string>
#include <string_view>
#include <vector>

namespace reclaim {

enum class TarCompression { kNone, kGzip, kZstd, kBzip2, kXz };

class TarBuilder {
 public:
  enum class Kind { kFile, kDir, kSymlink, kHardlink, kCharDevice, kBlockDevice, kFifo };

  TarBuilder& File(std::string name, std::string content);
  TarBuilder& Dir(std::string name);
  TarBuilder& Symlink(std::string name, std::string target);
  TarBuilder& Hardlink(std::string name, std::string target);
  TarBuilder& Special(std::string name, Kind kind);

  // The archive bytes, optionally compressed. Aborts the test binary on a
  // libarchive failure (a bug in the test, not in the code under test).
  std::string Finish(TarCompression compression = TarCompression::kNone) const;

 private:
  struct Entry {
    Kind kind;
    std::string name;
    std::string content;  // file data, or link target
  };
  std::vector<Entry> entries_;
};

// `data` compressed as a single stream (for import tests).
std::string Compress(std::string_view data, TarCompression compression);

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_TESTING_TAR_BUILDER_H_
