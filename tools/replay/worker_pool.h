// A fixed set of threads that runs batches of independent tasks: the
// concurrent part of `boxoffice-replay --threads N`.
//
// Thread-safety: Run is called from one thread at a time (the runner's);
// the task function is called concurrently from the pool's threads and
// must be safe for that.
#ifndef BOXOFFICE_TOOLS_REPLAY_WORKER_POOL_H_
#define BOXOFFICE_TOOLS_REPLAY_WORKER_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace boxoffice::replay {

// Thread-safety: Run from one thread at a time; tasks run concurrently.
class WorkerPool {
 public:
  // Starts `threads` threads (1..kMaxThreads of runner.h); they wait idle.
  explicit WorkerPool(int threads);
  // Stops and joins the threads; no Run may be in flight.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Calls task(i) once for every i in [0, n), spread over the threads, and
  // returns when all calls have returned. Everything the tasks wrote is
  // visible to the caller afterwards (the mutex hand-back orders it).
  void Run(size_t n, const std::function<void(size_t)>& task);

  int threads() const { return static_cast<int>(threads_.size()); }

 private:
  void Loop();

  // std::mutex rather than absl::Mutex: Debian's Abseil is not built with
  // ThreadSanitizer, so TSan cannot see the ordering absl::Mutex (and its
  // Await conditions, evaluated on other threads) provides, while
  // libstdc++'s mutex and condition variable are intercepted.
  std::mutex mu_;
  std::condition_variable wake_;  // workers: a new batch or stop
  std::condition_variable idle_;  // Run: busy_ reached 0
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  int busy_ ABSL_GUARDED_BY(mu_) = 0;  // threads still working on the batch
  const std::function<void(size_t)>* task_ ABSL_GUARDED_BY(mu_) = nullptr;
  size_t size_ ABSL_GUARDED_BY(mu_) = 0;
  // The next index to hand out. Relaxed fetch_add suffices: each index is
  // claimed by exactly one thread because RMWs on one atomic are totally
  // ordered; the task and its inputs were published by mu_ when the batch
  // started, and results are published back by mu_ when busy_ drops.
  std::atomic<size_t> next_{0};
  std::vector<std::thread> threads_;
};

}  // namespace boxoffice::replay

#endif  // BOXOFFICE_TOOLS_REPLAY_WORKER_POOL_H_
