// Damaged table files must surface as Error(kCorruption) from verify and
// from normal reads, never as values.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "storage/store_reader.h"
#include "tests/test_store.h"

namespace getps {
namespace {

namespace fs = std::filesystem;

// Flips 64 bytes at 15%, 30% and 45% of the largest table file: inside its
// data blocks, which come before the index and filter blocks.
std::string DamageLargestTable(const std::string& store) {
  fs::path largest;
  std::uintmax_t size = 0;
  for (const auto& e : fs::directory_iterator(store)) {
    if (e.path().extension() == ".sst" && e.file_size() > size) {
      size = e.file_size();
      largest = e.path();
    }
  }
  EXPECT_GT(size, 4096u);
  std::fstream f(largest, std::ios::in | std::ios::out | std::ios::binary);
  for (double at : {0.15, 0.30, 0.45}) {
    const auto pos = static_cast<std::streamoff>(static_cast<double>(size) * at);
    char buf[64];
    f.seekg(pos);
    f.read(buf, sizeof buf);
    for (char& c : buf) c = static_cast<char>(c ^ 0x5a);
    f.seekp(pos);
    f.write(buf, sizeof buf);
  }
  return largest.filename().string();
}

// Reads every table the way training does; returns the error code raised.
ErrorCode ReadEverything(const std::string& path) {
  try {
    auto store = StoreReader::Open(path);
    for (int c = 0; c < static_cast<int>(store->regions().chromosomes().size()); ++c) {
      (void)store->Motifs(c);
      for (int ct = 0; ct < static_cast<int>(store->celltypes().size()); ++ct)
        (void)store->Accessible(ct, c);
    }
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;  // read without complaint
}

TEST(StoreCorruption, FlippedBytesAreDetectedByVerifyAndByReads) {
  testing_util::TempDir dir("corrupt");
  testing_util::HandStoreSpec spec;
  spec.chromosomes = {{"chr1", 6000}, {"chr2", 3000}};  // tables of several blocks
  testing_util::WriteHandStore(dir.Sub("s"), spec);
  ASSERT_EQ(ReadEverything(dir.Sub("s")), ErrorCode::kInternal)
      << "the intact store must read cleanly";
  StoreReader::Open(dir.Sub("s"))->Verify(false);

  std::string damaged = DamageLargestTable(dir.Sub("s"));
  std::cout << "injected: 3 x 64 flipped bytes in " << damaged << "\n";
  EXPECT_EQ(ReadEverything(dir.Sub("s")), ErrorCode::kCorruption);
  try {
    StoreReader::Open(dir.Sub("s"))->Verify(false);
    FAIL() << "verify passed a damaged store";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption) << e.what();
    std::cout << "checked: verify reports: " << e.what() << "\n";
  }
}

}  // namespace
}  // namespace getps
