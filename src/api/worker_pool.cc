// File: api/worker_pool.cc
#include "api/worker_pool.h"

#include <algorithm>
#include <utility>

namespace reclaim {

WorkerPool::WorkerPool(int max_threads) : max_(std::max(1, max_threads)) {}

WorkerPool::~WorkerPool() { Stop(); }

void WorkerPool::Submit(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(std::move(task));
  if (queue_.size() > static_cast<size_t>(idle_) && threads_.size() < static_cast<size_t>(max_)) {
    threads_.emplace_back([this] { Loop(); });
    ++created_;
  } else {
    cv_.notify_one();
  }
}

void WorkerPool::Stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
    threads.swap(threads_);
  }
  for (std::thread& t : threads) t.join();
}

size_t WorkerPool::thread_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return created_;
}

size_t WorkerPool::idle_threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<size_t>(idle_);
}

void WorkerPool::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    ++idle_;
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    task();
    task = nullptr;
    lock.lock();
  }
}

}  // namespace reclaim
