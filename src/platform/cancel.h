// File: platform/cancel.h
//
// A CancelToken is how a caller (an HTTP handler whose client went away, a
// signal handler in the CLI) asks a long operation to stop. The operation
// checks it between phases and between units of work; a check after
// cancellation returns absl::CancelledError, and nothing the operation has not
// started yet is done.
//
//   CancelToken cancel;
//   std::thread t([&] { auto r = prune.Prune(filters, {.cancel = &cancel}); });
//   cancel.Cancel();
//
// Thread-safety: Cancel() and cancelled() may be called from any thread.
#ifndef RECLAIM_PLATFORM_CANCEL_H_
#define RECLAIM_PLATFORM_CANCEL_H_

#include <atomic>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace reclaim {

class CancelToken {
 public:
  CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  void Cancel() { cancelled_.store(true, std::memory_order_release); }
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> cancelled_{false};
};

// OK when `token` is null or not cancelled; else Cancelled "<what>: context canceled"
// (Go's text, which is what a Docker client sees for a cancelled request).
[[nodiscard]] inline absl::Status CheckCancelled(const CancelToken* token, std::string_view what) {
  if (token == nullptr || !token->cancelled()) return absl::OkStatus();
  return absl::CancelledError(std::string(what) + ": context canceled");
}

}  // namespace reclaim

#endif  // RECLAIM_PLATFORM_CANCEL_H_
