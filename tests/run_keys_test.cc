#include "protocol/run_keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "tests/test_store.h"

namespace getps {
namespace {

namespace fs = std::filesystem;

TEST(RunKeys, WrittenWithMode0600AndReadBack) {
  testing_util::TempDir dir("keys");
  const std::string path = (dir.path() / "run.key").string();
  const RunKeys k = GenerateRunKeys();
  EXPECT_EQ(k.server_public.size(), 40u);
  EXPECT_NE(k.server_public, k.client_public);
  WriteRunKeys(path, k);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const RunKeys r = ReadRunKeys(path);
  EXPECT_EQ(r.server_public, k.server_public);
  EXPECT_EQ(r.client_secret, k.client_secret);
  // Never overwrites another run's keys.
  EXPECT_THROW(WriteRunKeys(path, GenerateRunKeys()), Error);
}

TEST(RunKeys, LooseModeAndMalformedFilesAreRefused) {
  testing_util::TempDir dir("keys-bad");
  const std::string path = (dir.path() / "run.key").string();
  WriteRunKeys(path, GenerateRunKeys());
  fs::permissions(path, fs::perms::group_read, fs::perm_options::add);
  try {
    ReadRunKeys(path);
    FAIL() << "a group-readable key file must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kRefused);
    EXPECT_NE(std::string(e.what()).find("chmod 600"), std::string::npos);
  }
  const std::string bad = (dir.path() / "bad.key").string();
  std::ofstream(bad) << "server_public = short\n";
  fs::permissions(bad, fs::perms::owner_read | fs::perms::owner_write);
  try {
    ReadRunKeys(bad);
    FAIL() << "a malformed key file must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("bad.key:1"), std::string::npos);
  }
  EXPECT_THROW(ReadRunKeys((dir.path() / "missing.key").string()), Error);
}

}  // namespace
}  // namespace getps
