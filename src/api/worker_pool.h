// File: api/worker_pool.h
//
// WorkerPool runs the HTTP server's handlers: each submitted task gets a
// thread of its own, created on demand and kept for later tasks, until
// `max_threads` tasks run at once; further tasks wait in a queue (first in,
// first out) for a thread to come free. A handler may block for as long as
// its request needs (a streamed upload, a prune) without holding up the
// others below the limit.
//
//   WorkerPool pool(256);
//   pool.Submit([conn] { conn->RunHandler(); });
//   pool.Stop();   // runs what is queued, then joins every thread
//
// Thread-safety: Submit and Stop may be called from any thread; a task must
// not call Stop.
#ifndef RECLAIM_API_WORKER_POOL_H_
#define RECLAIM_API_WORKER_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace reclaim {

class WorkerPool {
 public:
  // At least one thread whatever `max_threads` says.
  explicit WorkerPool(int max_threads);
  // Stop().
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> task);

  // Runs what is queued, then joins every thread. Idempotent.
  void Stop();

  // Threads created so far, and those waiting for a task (for tests).
  size_t thread_count() const;
  size_t idle_threads() const;

 private:
  void Loop();

  const int max_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  int idle_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
  size_t created_ = 0;
};

}  // namespace reclaim

#endif  // RECLAIM_API_WORKER_POOL_H_
