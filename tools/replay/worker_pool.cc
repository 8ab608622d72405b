#include "tools/replay/worker_pool.h"

#include "engine/common/assert.h"

namespace boxoffice::replay {

WorkerPool::WorkerPool(int threads) {
  BOXOFFICE_CHECK(threads >= 1);
  threads_.reserve(static_cast<size_t>(threads));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    BOXOFFICE_DCHECK(busy_ == 0);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void WorkerPool::Run(size_t n, const std::function<void(size_t)>& task) {
  if (n == 0) return;
  std::unique_lock<std::mutex> lock(mu_);
  BOXOFFICE_DCHECK(busy_ == 0);
  task_ = &task;
  size_ = n;
  next_.store(0, std::memory_order_relaxed);
  busy_ = threads();
  ++generation_;
  wake_.notify_all();
  idle_.wait(lock, [this] { return busy_ == 0; });
  task_ = nullptr;
  // Every index was handed out exactly once.
  BOXOFFICE_DCHECK(next_.load(std::memory_order_relaxed) >= n);
}

void WorkerPool::Loop() {
  uint64_t seen = 0;
  while (true) {
    const std::function<void(size_t)>* task = nullptr;
    size_t n = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      task = task_;
      n = size_;
    }
    BOXOFFICE_DCHECK(task != nullptr);
    // Bounded: each iteration claims a distinct index below n or leaves.
    for (size_t i = next_.fetch_add(1, std::memory_order_relaxed); i < n;
         i = next_.fetch_add(1, std::memory_order_relaxed)) {
      (*task)(i);
    }
    std::lock_guard<std::mutex> lock(mu_);
    BOXOFFICE_DCHECK(busy_ > 0);
    if (--busy_ == 0) idle_.notify_one();
  }
}

}  // namespace boxoffice::replay
