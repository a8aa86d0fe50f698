// File: platform/mutex.h
//
// A reader-writer mutex that both ThreadSanitizer and clang's -Wthread-safety
// understand. Debian's prebuilt abseil is not built with TSan, so absl::Mutex
// is invisible to it and every guarded access is reported as a race; this
// wraps std::shared_mutex (pthread-based, intercepted by TSan) and carries the
// absl capability annotations (checked by the clang preset).
//
//   mutable Mutex mu_;
//   int n_ ABSL_GUARDED_BY(mu_);
//   void Inc() { MutexLock lock(&mu_); ++n_; }
//   int Get() const { ReaderMutexLock lock(&mu_); return n_; }
//
// Thread-safety: that is its purpose. Not recursive.
#ifndef RECLAIM_PLATFORM_MUTEX_H_
#define RECLAIM_PLATFORM_MUTEX_H_

#include <shared_mutex>

#include "absl/base/thread_annotations.h"

namespace reclaim {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  void ReaderLock() ABSL_SHARED_LOCK_FUNCTION() { mu_.lock_shared(); }
  void ReaderUnlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

// Holds `mu` exclusively for its scope.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// Holds `mu` shared for its scope.
class ABSL_SCOPED_LOCKABLE ReaderMutexLock {
 public:
  explicit ReaderMutexLock(Mutex* mu) ABSL_SHARED_LOCK_FUNCTION(mu) : mu_(mu) { mu_->ReaderLock(); }
  ~ReaderMutexLock() ABSL_UNLOCK_FUNCTION() { mu_->ReaderUnlock(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  Mutex* const mu_;
};

}  // namespace reclaim

#endif  // RECLAIM_PLATFORM_MUTEX_H_
