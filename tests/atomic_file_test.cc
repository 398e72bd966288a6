// common/atomic_file.h on a full disk (tests/file_size_limit.h): a file
// written atomically is the old one or the new one, never a cut one, and an
// append adds its whole text or nothing, naming the file in the error.
#include "common/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "common/error.h"
#include "tests/file_size_limit.h"
#include "tests/test_store.h"

namespace getps {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void ExpectIoErrorNaming(const std::function<void()>& f, const std::string& name) {
  try {
    f();
    ADD_FAILURE() << "no error on a full disk";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIOError);
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  }
}

TEST(WriteFileAtomically, ReplacesTheFileWholeOrLeavesTheOldOneOnAFullDisk) {
  testing_util::TempDir dir("atomic");
  const fs::path p = dir.path() / "best";
  WriteFileAtomically(p, "step-00000001\n");
  WriteFileAtomically(p, "step-00000002\n");
  EXPECT_EQ(Read(p), "step-00000002\n");
  {
    // Short enough to sit in a stream's buffer: only the close would fail.
    testing_util::FileSizeLimit full(6);
    ExpectIoErrorNaming([&] { WriteFileAtomically(p, "step-00000003\n"); }, p.string());
  }
  EXPECT_EQ(Read(p), "step-00000002\n");
  EXPECT_FALSE(fs::exists(p.string() + ".partial"));
}

TEST(AppendWhole, AddsTheWholeTextOrNothing) {
  testing_util::TempDir dir("append");
  const fs::path p = dir.path() / "epochs.jsonl";
  AppendWhole(p, "{\"a\":1}\n", AppendSync::kFsync);
  AppendWhole(p, "{\"b\":2}\n");
  EXPECT_EQ(Read(p), "{\"a\":1}\n{\"b\":2}\n");
  {
    testing_util::FileSizeLimit full(fs::file_size(p) + 5);  // room for 5 of 8 bytes
    ExpectIoErrorNaming([&] { AppendWhole(p, "{\"c\":3}\n"); }, p.string());
    EXPECT_EQ(Read(p), "{\"a\":1}\n{\"b\":2}\n");  // not "{\"c\":"
  }
  AppendWhole(p, "{\"c\":3}\n");
  EXPECT_EQ(Read(p), "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
}

TEST(AppendWhole, NamesAFileItCannotOpen) {
  testing_util::TempDir dir("append-dir");
  const fs::path p = dir.path() / "slurm.jsonl";
  fs::create_directory(p);  // EISDIR: as root, modes do not keep us out
  ExpectIoErrorNaming([&] { AppendWhole(p, "x\n"); }, p.string());
}

}  // namespace
}  // namespace getps
