#include "platform/mutex.h"

#include <atomic>
#include <thread>
#include <utility>
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

// Two fields that must change together: each Transfer moves one unit from
// `from_` to `to_` in two writes under one exclusive lock, so a reader holding
// the lock shared always sees them summing to the total. Were the lock dropped
// between the two writes (or not taken by the reader), a reader could see the
// unit in neither field.
class Ledger {
 public:
  explicit Ledger(int total) : from_(total) {}

  void Transfer() {
    MutexLock lock(&mu_);
    --from_;
    // Widen the window between the two writes, so that a reader which could
    // get in between would.
    for (int i = 0; i < 20; ++i) std::this_thread::yield();
    ++to_;
  }

  std::pair<int, int> Read() const {
    ReaderMutexLock lock(&mu_);
    return {from_, to_};
  }

 private:
  mutable Mutex mu_;
  int from_ ABSL_GUARDED_BY(mu_);
  int to_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(MutexTest, CompoundUpdateIsAtomic) {
  constexpr int kWriters = 3;
  constexpr int kTransfersEach = 400;
  constexpr int kTotal = kWriters * kTransfersEach;
  Ledger ledger(kTotal);
  std::atomic<bool> writing{true};
  std::atomic<int> reads{0};
  std::atomic<int> torn{0};
  std::atomic<int> mid_way{0};  // reads that saw a partly done run
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (writing.load()) {
        const auto [from, to] = ledger.Read();
        ++reads;
        if (from + to != kTotal) ++torn;
        if (to > 0 && to < kTotal) ++mid_way;
        std::this_thread::yield();  // glibc's rwlock prefers readers: let writers in
      }
    });
  }
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < kTransfersEach; ++i) ledger.Transfer();
    });
  }
  for (auto& t : writers) t.join();
  writing = false;
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_GT(mid_way.load(), 0) << "the readers never ran while the writers did";
  EXPECT_EQ(ledger.Read(), std::make_pair(0, kTotal));
}

}  // namespace
}  // namespace reclaim
