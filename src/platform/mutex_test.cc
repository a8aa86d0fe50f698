#include "platform/mutex.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

class Counter {
 public:
  void Inc() {
    MutexLock lock(&mu_);
    ++n_;
  }
  int Get() const {
    ReaderMutexLock lock(&mu_);
    return n_;
  }
  // Adds `by` unless the value is odd (a read then a write under one lock).
  bool AddIfEven(int by) {
    MutexLock lock(&mu_);
    if (n_ % 2 != 0) return false;
    n_ += by;
    return true;
  }

 private:
  mutable Mutex mu_;
  int n_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(MutexTest, ExclusiveIncrementsAreNotLost) {
  Counter c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.Inc();
        (void)c.Get();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Get(), 40000);
}

TEST(MutexTest, ReadersShareTheLock) {
  Mutex mu;
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      ReaderMutexLock lock(&mu);
      const int now = ++inside;
      int seen = max_inside.load();
      while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {
      }
      // Wait (bounded) for another reader to join while we hold the lock.
      for (int spin = 0; spin < 2000000 && max_inside.load() < 2; ++spin) std::this_thread::yield();
      --inside;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(max_inside.load(), 2);
}

TEST(MutexTest, CompoundUpdateIsAtomic) {
  Counter c;
  std::vector<std::thread> threads;
  std::atomic<int> added{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) {
        if (c.AddIfEven(2)) ++added;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Get(), 2 * added.load());
  EXPECT_EQ(added.load(), 20000);
}

}  // namespace
}  // namespace reclaim
