// File: api/worker_pool_test.cc
#include "api/worker_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

// Tasks that block until released, counting how many run at once.
class Blockers {
 public:
  std::function<void()> Task() {
    return [this] {
      std::unique_lock<std::mutex> lock(mu_);
      ++running_;
      max_running_ = std::max(max_running_, running_);
      cv_.notify_all();
      cv_.wait(lock, [this] { return released_; });
      --running_;
      ++done_;
      cv_.notify_all();
    };
  }
  // Waits (10 s at most) until `n` tasks run at once.
  bool WaitRunning(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return running_ == n; });
  }
  bool WaitDone(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return done_ == n; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  int running() {
    std::lock_guard<std::mutex> lock(mu_);
    return running_;
  }
  int max_running() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_running_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;
  int max_running_ = 0;
  int done_ = 0;
  bool released_ = false;
};

TEST(WorkerPoolTest, ThreadsOnDemandUpToTheLimitThenAQueue) {
  struct Case {
    int max_threads;
    int tasks;
    int concurrent;  // tasks running at once before the release
  };
  const Case cases[] = {{1, 3, 1}, {2, 2, 2}, {3, 5, 3}, {0, 2, 1}, {8, 4, 4}};
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << c.max_threads << " threads, " << c.tasks << " tasks");
    Blockers b;
    WorkerPool pool(c.max_threads);
    for (int i = 0; i < c.tasks; ++i) pool.Submit(b.Task());
    ASSERT_TRUE(b.WaitRunning(c.concurrent));
    // The rest stays queued: no thread beyond the limit.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(b.running(), c.concurrent);
    EXPECT_EQ(pool.thread_count(), static_cast<size_t>(c.concurrent));
    b.Release();
    ASSERT_TRUE(b.WaitDone(c.tasks));
    EXPECT_EQ(b.max_running(), c.concurrent);
  }
}

TEST(WorkerPoolTest, IdleThreadsAreReused) {
  WorkerPool pool(4);
  std::atomic<int> ran{0};
  for (int i = 0; i < 20; ++i) {
    pool.Submit([&] { ran.fetch_add(1); });
    // Wait until the task ran and its thread waits again: the next task takes it.
    for (int w = 0; w < 10000 && (ran.load() <= i || pool.idle_threads() != 1); ++w) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(ran.load(), i + 1);
    ASSERT_EQ(pool.idle_threads(), 1u);
  }
  EXPECT_EQ(pool.thread_count(), 1u);
}

TEST(WorkerPoolTest, StopRunsWhatIsQueuedThenJoins) {
  Blockers b;
  std::atomic<int> queued_ran{0};
  WorkerPool pool(1);
  pool.Submit(b.Task());
  ASSERT_TRUE(b.WaitRunning(1));
  for (int i = 0; i < 3; ++i) pool.Submit([&] { queued_ran.fetch_add(1); });
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    b.Release();
  });
  pool.Stop();  // returns only when every task has run
  releaser.join();
  EXPECT_EQ(queued_ran.load(), 3);
  EXPECT_TRUE(b.WaitDone(1));
  pool.Stop();  // idempotent
}

}  // namespace
}  // namespace reclaim
