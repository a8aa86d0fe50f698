// File: store/local/reserve.h
//
// The embedded store's space reserve (local_store.h, "Full disk"): the file
// <root>/reserve, allocated while there is room and removed when the
// filesystem is full so that deletes and collections can run; and the
// out-of-space errors that name the cause. Internal to store/local.
//
//   SpaceReserve reserve{fs, root, 32 << 20};
//   reserve.ReleaseIfFull();            // before a write that frees space
//   ... delete, collect ...
//   reserve.Restore();                  // once space allows
//
// Thread-safety: the methods are safe to call concurrently (each is a few
// file system calls; the worst race recreates the file twice).
#ifndef RECLAIM_STORE_LOCAL_RESERVE_H_
#define RECLAIM_STORE_LOCAL_RESERVE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "platform/fs.h"

namespace reclaim {

struct SpaceReserve {
  Fs* fs;
  std::string root;
  uint64_t bytes = 0;  // 0: no reserve is kept

  std::string Path() const { return root + "/reserve"; }
  // Removes the reserve when the filesystem has less free space than the
  // reserve (1 MiB at least); true when it did. Unknown free space: kept.
  bool ReleaseIfFull() const;
  // Creates the reserve when it is missing and twice its size is free.
  void Restore() const;
  // `s` (a failed write) as ResourceExhausted `no space left on device:
  // <root> has N bytes free (<s>)` when the filesystem is out of space (SQLite
  // then says "database or disk is full", or only "disk I/O error"); else `s`.
  absl::Status NoSpaceError(const absl::Status& s) const;
};

}  // namespace reclaim

#endif  // RECLAIM_STORE_LOCAL_RESERVE_H_
