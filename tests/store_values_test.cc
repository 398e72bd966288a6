// CheckStoredValues (storage/store_values.h) through `store verify`: a
// store whose checksums are right but whose values are not (a NaN logCPM, a
// negative motif score, as a buggy or older writer could leave) fails
// Verify naming the value; the writer refuses the same values up front.
#include "storage/store_values.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <cstdint>

#include <cmath>
#include <cstring>
#include <functional>

#include "common/error.h"
#include "storage/store_schema.h"
#include "storage/store_writer.h"
#include "tests/test_store.h"

namespace getps {
namespace {

using testing_util::TempDir;

// Opens the finished store at `path` with RocksDB itself and lets `edit`
// rewrite records behind getps's back (checksums stay valid).
void Tamper(
    const std::string& path,
    const std::function<void(rocksdb::DB*, std::vector<rocksdb::ColumnFamilyHandle*>&)>& edit) {
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {{rocksdb::kDefaultColumnFamilyName, {}},
                                                      {schema::kMotifFamily, {}},
                                                      {schema::kCellTypeFamily, {}}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), path, cfs, &handles, &raw).ok());
  edit(raw, handles);
  for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
  delete raw;
}

std::string VerifyError(const std::string& path) {
  try {
    StoreReader::Open(path)->Verify(false);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    return e.what();
  }
  return "";
}

TEST(StoreValues, ACleanStorePasses) {
  TempDir dir("values_clean");
  testing_util::WriteHandStore(dir.Sub("s"));
  EXPECT_EQ(VerifyError(dir.Sub("s")), "");
}

TEST(StoreValues, ANanLogCpmIsFoundAndNamed) {
  TempDir dir("values_nan");
  testing_util::WriteHandStore(dir.Sub("s"));
  Tamper(dir.Sub("s"), [](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& h) {
    const std::string key = schema::CellTypeChromosomeKey(0, 0);
    std::string blob;
    ASSERT_TRUE(db->Get({}, h[2], key, &blob).ok());
    AccessibleRegions a = DecodeAccessible(blob, "test");
    a.logcpm[3] = NAN;
    ASSERT_TRUE(db->Put({}, h[2], key, EncodeAccessible(a)).ok());
  });
  const std::string e = VerifyError(dir.Sub("s"));
  EXPECT_NE(e.find("logCPM of region chr1:3001-3500 in all is nan (expected finite, >= 0)"),
            std::string::npos)
      << e;
}

TEST(StoreValues, ANegativeMotifScoreIsFoundAndNamed) {
  TempDir dir("values_negative");
  testing_util::WriteHandStore(dir.Sub("s"));
  Tamper(dir.Sub("s"), [](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& h) {
    const std::string key = schema::MotifKey(7);  // chr1's eighth region
    std::string blob;
    ASSERT_TRUE(db->Get({}, h[1], key, &blob).ok());
    const float negative = -2.0f;
    std::memcpy(blob.data() + 2 * sizeof(float), &negative, sizeof negative);
    ASSERT_TRUE(db->Put({}, h[1], key, blob).ok());
  });
  const std::string e = VerifyError(dir.Sub("s"));
  EXPECT_NE(e.find("motif score of region chr1:7001-7500, feature 'M2' is -2.000000"),
            std::string::npos)
      << e;
}

TEST(StoreValues, TheWriterRefusesTheSameValues) {
  TempDir dir("values_writer");
  StoreMetadata meta;
  meta.feature_names = {"a"};
  auto w = StoreWriter::Create(dir.Sub("s"), meta, RegionIndex::FromUnsorted({{"chr1", 0, 10}}));
  std::vector<float> ok = {1.0f}, nan = {NAN}, negative = {-1.0f}, expression = {0, 0};
  std::vector<std::uint8_t> tss = {0, 0};
  for (const auto* logcpm : {&nan, &negative}) {
    try {
      w->AddCellType({"x", "", 1, 1, false}, {ok, *logcpm, expression, tss});
      ADD_FAILURE() << "accepted logCPM " << (*logcpm)[0];
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("cell type 'x': logCPM of region id 0 is"),
                std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace getps
