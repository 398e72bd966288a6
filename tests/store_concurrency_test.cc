// Many readers at once: threads sharing one StoreReader, and separate
// processes each opening the same store, all assemble identical batches.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdint>

#include <thread>

#include "storage/batch_assembler.h"
#include "storage/store_reader.h"
#include "storage/window_plan.h"
#include "tests/test_store.h"

namespace getps {
namespace {

// FNV-1a over the bytes of every batch of the plan.
std::uint64_t DigestAllWindows(const StoreReader& store) {
  WindowPlanOptions o;
  o.stride = 25;
  WindowPlan plan = WindowPlan::Build(store, o);
  BatchAssembler assembler(store, {200, AtacMode::kQuantitative});
  Batch batch;
  std::uint64_t h = 1469598103934665603ULL;
  for (std::size_t i = 0; i < plan.size(); i += 8) {
    std::span<const Window> chunk(plan.windows().data() + i,
                                  std::min<std::size_t>(8, plan.size() - i));
    assembler.Assemble(chunk, &batch);
    const auto* bytes = reinterpret_cast<const unsigned char*>(batch.features.data());
    for (std::size_t k = 0; k < batch.features.size() * sizeof(float); ++k)
      h = (h ^ bytes[k]) * 1099511628211ULL;
  }
  return h;
}

TEST(StoreConcurrency, ThreadsShareOneReader) {
  testing_util::TempDir dir("threads");
  testing_util::WriteHandStore(dir.Sub("s"));
  const std::uint64_t want = DigestAllWindows(*StoreReader::Open(dir.Sub("s")));
  auto shared = StoreReader::Open(dir.Sub("s"));  // fresh: the threads race to load the tables
  std::vector<std::uint64_t> got(6);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] { got[t] = DigestAllWindows(*shared); });
  }
  for (auto& t : threads) t.join();
  for (auto g : got) EXPECT_EQ(g, want);
}

TEST(StoreConcurrency, ProcessesOpenTheSameStoreAtOnce) {
  testing_util::TempDir dir("procs");
  testing_util::WriteHandStore(dir.Sub("s"));
  const std::uint64_t want = DigestAllWindows(*StoreReader::Open(dir.Sub("s")));
  constexpr int kChildren = 4;
  int fds[kChildren][2];
  pid_t pids[kChildren];
  auto reader_in_parent = StoreReader::Open(dir.Sub("s"));  // held open during the children's reads
  for (int c = 0; c < kChildren; ++c) {
    ASSERT_EQ(pipe(fds[c]), 0);
    pids[c] = fork();
    ASSERT_GE(pids[c], 0);
    if (pids[c] == 0) {
      std::uint64_t h = 0;
      try {
        h = DigestAllWindows(*StoreReader::Open(dir.Sub("s")));
      } catch (...) {
        _exit(1);
      }
      _exit(write(fds[c][1], &h, sizeof h) == sizeof h ? 0 : 1);
    }
  }
  for (int c = 0; c < kChildren; ++c) {
    int status = 0;
    ASSERT_EQ(waitpid(pids[c], &status, 0), pids[c]);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child " << c;
    std::uint64_t h = 0;
    ASSERT_EQ(read(fds[c][0], &h, sizeof h), static_cast<ssize_t>(sizeof h));
    EXPECT_EQ(h, want) << "child " << c;
    close(fds[c][0]);
    close(fds[c][1]);
  }
  EXPECT_EQ(DigestAllWindows(*reader_in_parent), want);
}

}  // namespace
}  // namespace getps
