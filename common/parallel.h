// ParallelFor: runs fn(i, worker) for every i in [0, n) on `threads` threads
// (the caller's thread is one of them), handing out indices one at a time,
// and returns when all are done. The first exception thrown by fn is
// re-thrown here after every thread stopped; indices not yet started are
// skipped once one failed. A thread the system refuses to start is an
// Error(kIOError), thrown after the started ones stopped.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "common/error.h"

namespace getps {

template <typename Fn>
void ParallelFor(std::size_t n, int threads, Fn&& fn) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mu;
  auto work = [&](int worker) {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= n || failed.load()) return;
      try {
        fn(i, worker);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!error) error = std::current_exception();
        failed.store(true);
      }
    }
  };
  const int extra = threads > 1 ? threads - 1 : 0;
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(extra));
  for (int t = 0; t < extra; ++t) {
    try {
      pool.emplace_back(work, t + 1);
    } catch (const std::system_error& e) {  // the system refused another thread
      failed.store(true);
      for (auto& started : pool) started.join();
      throw Error(ErrorCode::kIOError, "cannot start thread " + std::to_string(t + 2) + " of " +
                                           std::to_string(threads) + ": " + e.what() +
                                           " (ask for fewer threads)");
    }
  }
  work(0);
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

// Threads to use when the user asked for `requested` (0: all cores).
inline int ResolveThreads(int requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw ? static_cast<int>(hw) : 1;
}

}  // namespace getps
