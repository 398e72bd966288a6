// ParallelFor (common/parallel.h): every index runs once, the first
// exception comes back to the caller, and a thread the system refuses to
// start is an Error, not std::terminate (checked in a child process whose
// address space is too small for the threads' stacks).
#include "common/parallel.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace getps {
namespace {

TEST(ParallelFor, EveryIndexRunsOnceAcrossTheThreads) {
  std::vector<std::atomic<int>> seen(1000);
  std::atomic<int> max_worker{0};
  ParallelFor(seen.size(), 4, [&](std::size_t i, int worker) {
    ++seen[i];
    int m = max_worker.load();
    while (worker > m && !max_worker.compare_exchange_weak(m, worker)) {
    }
  });
  for (const auto& s : seen) EXPECT_EQ(s.load(), 1);
  EXPECT_LT(max_worker.load(), 4);
}

TEST(ParallelFor, TheFirstExceptionIsRethrownAfterEveryThreadStopped) {
  std::atomic<int> ran{0};
  EXPECT_THROW(ParallelFor(100000, 3,
                           [&](std::size_t i, int) {
                             ++ran;
                             if (i == 10) throw std::runtime_error("index 10");
                           }),
               std::runtime_error);
  EXPECT_LT(ran.load(), 100000);  // indices not started are skipped
}

// Bytes of address space this process maps now.
long MappedBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0;
  statm >> pages;
  return pages * sysconf(_SC_PAGESIZE);
}

TEST(ParallelFor, AThreadTheSystemRefusesIsAnError) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reserves address space that an RLIMIT_AS child cannot have";
#endif
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Room for a few 8 MiB thread stacks, not for 64 of them.
    const rlim_t limit = static_cast<rlim_t>(MappedBytes()) + (40L << 20);
    rlimit r{limit, limit};
    if (setrlimit(RLIMIT_AS, &r) != 0) _exit(10);
    try {
      ParallelFor(64, 64, [](std::size_t, int) {});
    } catch (const Error& e) {
      const bool named = std::string(e.what()).find("cannot start thread") != std::string::npos;
      _exit(e.code() == ErrorCode::kIOError && named ? 0 : 11);
    } catch (...) {
      _exit(12);
    }
    _exit(13);  // every thread started: the limit did not bite
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: setrlimit failed, 11: wrong error, 12: not an Error, "
                                       "13: no thread was refused";
}

}  // namespace
}  // namespace getps
