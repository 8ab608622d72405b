// A background thread that calls one function every interval until stopped:
// the engines' optional expiry sweep (EngineOptions::background_expiry).
//
// Thread-safety: Start and Stop are called by the owner only (not
// concurrently with each other); the function runs on the background thread
// and must be safe to call concurrently with everything else the owner does.
// Stop (also run by the destructor) waits for a call in progress to return,
// so an owner that calls Stop first in its own destructor may let the
// function use its members.
#ifndef BOXOFFICE_ENGINE_COMMON_PERIODIC_THREAD_H_
#define BOXOFFICE_ENGINE_COMMON_PERIODIC_THREAD_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"

namespace boxoffice::internal {

class PeriodicThread {
 public:
  PeriodicThread() = default;
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;
  ~PeriodicThread() { Stop(); }

  // Precondition: not running. The first call comes one interval after Start.
  void Start(absl::Duration interval, std::function<void()> fn) {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = false;
    }
    thread_ = std::thread([this, interval, fn = std::move(fn)] {
      const auto period = absl::ToChronoMicroseconds(interval);
      std::unique_lock<std::mutex> l(mu_);
      while (!cv_.wait_for(l, period, [this] { return stop_; })) {
        l.unlock();
        fn();
        l.lock();
      }
    });
  }

  // Idempotent; returns once the thread has ended.
  void Stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  // std::mutex rather than absl::Mutex: Debian's Abseil has deadlock
  // detection on, and TSan sees through pthread mutexes, not through it.
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_COMMON_PERIODIC_THREAD_H_
