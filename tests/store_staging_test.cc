// Store staging (storage/store_staging.h): a store is built at PATH.writing
// and appears at PATH only when finished; a second writer is refused while
// the first has it open, with or without --overwrite; a reader of PATH sees
// the old store until the new one replaces it, then the new one; a staging
// folder left by a writer that stopped blocks readers but not the next
// writer. (Two processes: tests/cli_store_test.py.)
#include "storage/store_staging.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/error.h"
#include "storage/store_reader.h"
#include "storage/store_writer.h"
#include "tests/test_store.h"

namespace getps {
namespace {

namespace fs = std::filesystem;
using testing_util::TempDir;

// A one-region store whose only feature is named `feature`, left open.
std::unique_ptr<StoreWriter> Begin(const std::string& path, const std::string& feature,
                                   bool overwrite = false) {
  StoreMetadata meta;
  meta.feature_names = {feature};
  StoreWriterOptions options;
  options.overwrite = overwrite;
  options.progress = false;
  auto w = StoreWriter::Create(path, meta, RegionIndex::FromUnsorted({{"chr1", 0, 10}}), options);
  std::vector<float> row = {1.0f};
  w->PutMotifScores(0, row);
  return w;
}

std::string FeatureOf(const std::string& path) {
  return StoreReader::Open(path)->metadata().feature_names.at(0);
}

Error ErrorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  return Error(ErrorCode::kInternal, "no error");
}

TEST(StoreStaging, AStoreAppearsOnlyWhenFinished) {
  TempDir dir("staging_appears");
  const std::string path = dir.Sub("s");
  EXPECT_EQ(StagingPath(path + "/"), path + ".writing");
  auto w = Begin(path, "a");
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::exists(path + ".writing/CURRENT"));
  ASSERT_TRUE(StagingWriter(path + ".writing"));
  const Error busy = ErrorOf([&] { StoreReader::Open(path); });
  EXPECT_EQ(busy.code(), ErrorCode::kBusy);
  EXPECT_NE(std::string(busy.what()).find("is being written by this process"), std::string::npos)
      << busy.what();
  w->Finish();
  EXPECT_FALSE(fs::exists(path + ".writing"));
  EXPECT_FALSE(StagingWriter(path + ".writing"));
  EXPECT_EQ(FeatureOf(path), "a");
}

TEST(StoreStaging, ASecondWriterIsRefusedEvenWithOverwrite) {
  TempDir dir("staging_second");
  const std::string path = dir.Sub("s");
  auto first = Begin(path, "a");
  for (bool overwrite : {false, true}) {
    const Error e = ErrorOf([&] { Begin(path, "b", overwrite); });
    EXPECT_EQ(e.code(), ErrorCode::kBusy) << e.what();
  }
  first->Finish();  // the refused writers touched nothing of it
  EXPECT_EQ(FeatureOf(path), "a");
  EXPECT_EQ(ErrorOf([&] { Begin(path, "b"); }).code(), ErrorCode::kInvalidArgument);
}

TEST(StoreStaging, OverwriteKeepsTheOldStoreReadableUntilTheNewOneReplacesIt) {
  TempDir dir("staging_overwrite");
  const std::string path = dir.Sub("s");
  Begin(path, "old")->Finish();
  auto w = Begin(path, "new", /*overwrite=*/true);
  EXPECT_EQ(FeatureOf(path), "old");
  w->Finish();
  EXPECT_EQ(FeatureOf(path), "new");
  EXPECT_FALSE(fs::exists(path + ".writing"));
}

TEST(StoreStaging, AStoppedWritersLeftoverBlocksReadersNotTheNextWriter) {
  TempDir dir("staging_leftover");
  const std::string path = dir.Sub("s");
  Begin(path, "a");  // destroyed without Finish: a writer that stopped
  ASSERT_TRUE(fs::exists(path + ".writing"));
  EXPECT_FALSE(StagingWriter(path + ".writing"));
  const Error e = ErrorOf([&] { StoreReader::Open(path); });
  EXPECT_EQ(e.code(), ErrorCode::kBusy);
  EXPECT_NE(std::string(e.what()).find("is not finished: its writer stopped"), std::string::npos)
      << e.what();
  Begin(path, "b")->Finish();  // no --overwrite needed: there was no store
  EXPECT_EQ(FeatureOf(path), "b");
}

TEST(StoreStaging, PublishingOverAStoreThatAppearedNeedsOverwrite) {
  TempDir dir("staging_appeared");
  const std::string path = dir.Sub("s");
  auto w = Begin(path, "a");
  Begin(dir.Sub("other"), "b")->Finish();
  fs::rename(dir.Sub("other"), path);  // someone else's store arrives meanwhile
  const Error e = ErrorOf([&] { w->Finish(); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(FeatureOf(path), "b");
  EXPECT_TRUE(fs::exists(path + ".writing/CURRENT"));  // ours is kept, not lost
}

}  // namespace
}  // namespace getps
