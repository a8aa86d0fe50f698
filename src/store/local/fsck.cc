// LocalStore::Fsck: every invariant of the on-disk format
// (docs/on_disk_format.md), and --repair.
#include "store/local/local_store.h"

#include <set>
#include <utility>

#include "core/status.h"
#include "store/local/rows.h"

namespace reclaim {

using namespace local_rows;  // NOLINT: the row codec of this store

// ---------------------------------------------------------------- fsck

absl::StatusOr<FsckReport> LocalStore::Fsck(bool repair) {
  FsckReport report;
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContentInfo> content, ListContent());
  std::set<std::string> rows;
  for (const ContentInfo& c : content) {
    rows.insert(std::string(c.digest.hex()));
    ++report.blobs_checked;
    const std::string path = BlobPath(c.digest);
    absl::StatusOr<std::unique_ptr<SequentialFile>> file = fs_->OpenForRead(path);
    std::string problem;
    if (!file.ok()) {
      problem = "blob " + c.digest.str() + " is recorded but its file is missing (" +
                std::string(file.status().message()) + ")";
    } else {
      Sha256 h;
      for (;;) {
        absl::StatusOr<std::string> chunk = (*file)->Read(1 << 20);
        if (!chunk.ok()) {
          problem = "blob " + c.digest.str() + ": " + std::string(chunk.status().message());
          break;
        }
        if (chunk->empty()) break;
        h.Update(*chunk);
      }
      if (problem.empty()) {
        const int64_t size = static_cast<int64_t>(h.size());
        const Digest got = h.Finish();
        if (size != c.size) {
          problem = "blob " + c.digest.str() + " has " + std::to_string(size) +
                    " bytes, recorded " + std::to_string(c.size);
        } else if (got != c.digest) {
          problem = "blob " + c.digest.str() + " is corrupt: its bytes hash to " + got.str();
        }
      }
    }
    if (!problem.empty()) {
      bool fixed = false;
      if (repair) fixed = DeleteContent(c.digest).ok();
      report.problems.push_back(FsckProblem{problem, fixed});
    }
  }
  RECLAIM_ASSIGN_OR_RETURN(std::vector<std::string> files, fs_->ListDir(root_ + "/blobs/sha256"));
  for (const std::string& f : files) {
    if (rows.contains(f)) continue;
    const std::string path = root_ + "/blobs/sha256/" + f;
    bool fixed = false;
    if (repair) fixed = fs_->Remove(path).ok();
    report.garbage.push_back(FsckProblem{"unknown file " + path + " (no content record)", fixed});
  }
  RECLAIM_ASSIGN_OR_RETURN(std::vector<std::string> ingests, fs_->ListDir(IngestDir()));
  for (const std::string& id : ingests) {
    {
      MutexLock lock(&mu_);
      if (active_ingests_.contains(id)) continue;
    }
    bool fixed = false;
    if (repair) fixed = fs_->RemoveAll(IngestDir() + "/" + id).ok();
    report.garbage.push_back(FsckProblem{"leftover ingest " + IngestDir() + "/" + id, fixed});
  }
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> images, ListImages());
  for (const ImageRecord& img : images) {
    ++report.images_checked;
    if (!Info(img.target.digest).ok()) {
      report.problems.push_back(FsckProblem{
          "image " + img.name + " targets " + img.target.digest.str() + ", which is missing",
          false});
    }
  }
  return report;
}


}  // namespace reclaim
