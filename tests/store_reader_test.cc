// Round trip through StoreWriter and StoreReader on the hand-made store, and
// every error a reader or writer reports.
#include "storage/store_reader.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <cstdint>

#include <algorithm>

#include "common/error.h"
#include "storage/store_schema.h"
#include "tests/test_store.h"

namespace getps {
namespace {

using testing_util::HandStoreSpec;
using testing_util::TempDir;

ErrorCode CodeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;  // "no error" shows up as a mismatch
}

TEST(StoreReader, RoundTripsTablesAndMetadata) {
  TempDir dir("roundtrip");
  testing_util::WriteHandStore(dir.Sub("s"));
  auto store = StoreReader::Open(dir.Sub("s"));
  EXPECT_EQ(store->metadata().format_version, schema::kFormatVersion);
  EXPECT_EQ(store->metadata().genome_build, "test");
  EXPECT_EQ(store->metadata().input_checksums.at("peaks.bed"), "sha256:0");
  ASSERT_EQ(store->num_motifs(), testing_util::kMotifs);
  ASSERT_EQ(store->celltypes().size(), 3u);
  EXPECT_EQ(store->celltypes()[1].name, "third");
  EXPECT_EQ(store->celltypes()[1].cell_count, 701);
  EXPECT_FALSE(store->celltypes()[2].has_expression);
  ASSERT_EQ(store->regions().chromosomes().size(), 3u);
  EXPECT_EQ(store->regions().chromosomes()[2].name, "chr10");  // natural order
  EXPECT_EQ(store->regions().chromosomes()[2].first_id, 1450u);
  EXPECT_EQ(store->fingerprint().size(), 16u);

  std::vector<float> row(testing_util::kMotifs);
  for (std::uint32_t id : {0u, 17u, 1000u, 1648u}) {
    store->ReadMotifScores(id, row.data());
    for (std::uint32_t j = 0; j < testing_util::kMotifs; ++j)
      EXPECT_EQ(row[j], testing_util::HandMotif(id, j));
  }
}

TEST(StoreReader, AccessibleRegionsFollowTheCountRule) {
  TempDir dir("accessible");
  testing_util::WriteHandStore(dir.Sub("s"));
  auto store = StoreReader::Open(dir.Sub("s"));
  const AccessibleRegions& all = store->Accessible(0, 1);
  ASSERT_EQ(all.size(), 450u);
  EXPECT_EQ(all.ids.front(), 1000u);
  const AccessibleRegions& third = store->Accessible(1, 1);
  ASSERT_EQ(third.size(), 150u);  // ids 1002, 1005, ..., 1449
  for (std::size_t k = 0; k < third.size(); ++k) {
    std::uint32_t id = third.ids[k];
    ASSERT_EQ(id % 3, 0u);
    EXPECT_EQ(third.counts[k], testing_util::HandCount(1, id));
    EXPECT_FLOAT_EQ(third.logcpm[k], testing_util::HandLogCpm(1, id));
    EXPECT_EQ(third.expression[2 * k + 1], testing_util::HandExpression(id, 1));
    EXPECT_EQ(third.tss[2 * k], testing_util::HandTss(id, 0));
  }
  EXPECT_EQ(store->Accessible(2, 0).size(), 0u);
  EXPECT_EQ(&store->Accessible(1, 1), &third);  // cached: same object
}

TEST(StoreReader, LogCpmCutoffRule) {
  TempDir dir("cutoff");
  HandStoreSpec spec;
  spec.logcpm_cutoff = std::log10(4.0f + 1.0f);  // counts >= 4 pass
  testing_util::WriteHandStore(dir.Sub("s"), spec);
  auto store = StoreReader::Open(dir.Sub("s"));
  for (std::uint32_t id : store->Accessible(0, 0).ids)
    EXPECT_GE(testing_util::HandCount(0, id), 4.0f);
  EXPECT_EQ(store->Accessible(0, 0).size(), 400u);  // 1 + id % 5 in {4, 5}
}

TEST(StoreReader, NormalisationIsMaxOverAccessibleRegionsOnly) {
  TempDir dir("norm");
  testing_util::WriteHandStore(dir.Sub("s"));
  auto store = StoreReader::Open(dir.Sub("s"));
  for (int ct = 0; ct < 3; ++ct) {
    std::vector<float> want(testing_util::kMotifs, 0.0f);
    for (std::uint32_t id = 0; id < store->regions().size(); ++id) {
      if (testing_util::HandCount(ct, id) <= 0) continue;
      for (std::uint32_t j = 0; j < testing_util::kMotifs; ++j)
        want[j] = std::max(want[j], testing_util::HandMotif(id, j));
    }
    EXPECT_EQ(store->MotifMax(ct), want) << "cell type " << ct;
    for (std::uint32_t j = 0; j < testing_util::kMotifs; ++j) {
      EXPECT_EQ(store->MotifScale(ct)[j], want[j] > 0 ? 1.0f / want[j] : 0.0f);
    }
  }
}

TEST(StoreReader, GenesKnowTheirRegion) {
  TempDir dir("genes");
  testing_util::WriteHandStore(dir.Sub("s"));
  auto store = StoreReader::Open(dir.Sub("s"));
  auto g = store->FindGene("GENE1010");
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->chrom, "chr2");
  EXPECT_EQ(g->region_id, 1010);
  EXPECT_FALSE(store->FindGene("NOPE").has_value());
}

TEST(StoreReader, Float16StoresRoundToHalfPrecision) {
  TempDir dir("fp16");
  HandStoreSpec spec;
  spec.dtype = MotifDtype::kFloat16;
  testing_util::WriteHandStore(dir.Sub("s"), spec);
  auto store = StoreReader::Open(dir.Sub("s"));
  std::vector<float> row(testing_util::kMotifs);
  store->ReadMotifScores(33, row.data());
  for (std::uint32_t j = 0; j < testing_util::kMotifs; ++j)
    EXPECT_EQ(row[j], testing_util::HandMotif(33, j));
}

TEST(StoreReader, UnknownNamesAreNotFoundWithTheKnownOnesListed) {
  TempDir dir("names");
  testing_util::WriteHandStore(dir.Sub("s"));
  auto store = StoreReader::Open(dir.Sub("s"));
  try {
    store->CellTypeIndex("B cell");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("no cell type 'B cell' (it has: all, third, none)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(CodeOf([&] { store->ChromosomeIndex("chr3"); }), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf([&] { store->ReadMotifScores(5000, nullptr); }), ErrorCode::kOutOfRange);
}

// Indices past the store's cell types or chromosomes: kOutOfRange, before
// the reader touches its per-(cell type, chromosome) slots (the ASan build
// would catch a read past them).
TEST(StoreReader, OutOfRangeIndicesAreRefusedBeforeAnySlotIsRead) {
  TempDir dir("range");
  testing_util::WriteHandStore(dir.Sub("s"));
  auto store = StoreReader::Open(dir.Sub("s"));
  for (auto [ct, chrom] : {std::pair{3, 0}, {-1, 0}, {0, 3}, {0, -1}, {1000, 1000}})
    EXPECT_EQ(CodeOf([&] { store->Accessible(ct, chrom); }), ErrorCode::kOutOfRange)
        << ct << "/" << chrom;
  for (int chrom : {3, -1, 1 << 20})
    EXPECT_EQ(CodeOf([&] { store->Motifs(chrom); }), ErrorCode::kOutOfRange) << chrom;
  EXPECT_EQ(store->Accessible(2, 2).ids.size(), 0u);  // "none" on chr10: in range, empty
  EXPECT_EQ(store->Motifs(2).count, 199u);
}

TEST(StoreReader, MissingStoreIsNotFound) {
  TempDir dir("missing");
  EXPECT_EQ(CodeOf([&] { StoreReader::Open(dir.Sub("nothing")); }), ErrorCode::kNotFound);
}

TEST(StoreReader, UnfinishedStoreIsRefusedAsBeingWritten) {
  TempDir dir("unfinished");
  {
    StoreMetadata meta;
    meta.feature_names = {"a"};
    auto w = StoreWriter::Create(dir.Sub("s"), meta, RegionIndex::FromUnsorted({{"chr1", 0, 10}}));
    std::vector<float> row = {1.0f};
    w->PutMotifScores(0, row);
    // The writer goes away without Finish(): a crashed featurizer.
  }
  try {
    StoreReader::Open(dir.Sub("s"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBusy);
    EXPECT_NE(std::string(e.what()).find("is not finished"), std::string::npos);
  }
}

TEST(StoreReader, OtherFormatVersionIsRefused) {
  TempDir dir("version");
  testing_util::WriteHandStore(dir.Sub("s"));
  {  // Rewrite the version key as a future getps would.
    rocksdb::DB* raw = nullptr;
    rocksdb::Options o;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {{rocksdb::kDefaultColumnFamilyName, {}},
                                                        {schema::kMotifFamily, {}},
                                                        {schema::kCellTypeFamily, {}}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir.Sub("s"), cfs, &handles, &raw).ok());
    ASSERT_TRUE(raw->Put({}, schema::kFormatVersionKey, "2").ok());
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  try {
    StoreReader::Open(dir.Sub("s"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFormatMismatch);
    EXPECT_NE(std::string(e.what()).find("format version 2; this getps reads version 1"),
              std::string::npos);
  }
}

TEST(StoreWriter, RejectsBadInput) {
  TempDir dir("writer");
  StoreMetadata meta;
  meta.feature_names = {"a", "b"};
  RegionIndex regions = RegionIndex::FromUnsorted({{"chr1", 0, 10}, {"chr1", 20, 30}});
  auto w = StoreWriter::Create(dir.Sub("s"), meta, regions);
  std::vector<float> good = {1, 2}, short_row = {1}, negative = {1, -1}, nan = {1, NAN},
                     huge = {1, 1e6f};
  EXPECT_EQ(CodeOf([&] { w->PutMotifScores(2, good); }), ErrorCode::kOutOfRange);
  EXPECT_EQ(CodeOf([&] { w->PutMotifScores(0, short_row); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf([&] { w->PutMotifScores(0, negative); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf([&] { w->PutMotifScores(0, nan); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf([&] { w->PutMotifScores(0, huge); }),
            ErrorCode::kInvalidArgument);  // > fp16 max
  w->PutMotifScores(0, good);
  std::vector<float> two(2, 1.0f), one(1, 1.0f), four(4, 0.0f);
  std::vector<std::uint8_t> tss(4, 0);
  EXPECT_EQ(CodeOf([&] {
              w->AddCellType({"x", "", 1, 1, false}, {one, two, four, tss});
            }),
            ErrorCode::kInvalidArgument);
  w->AddCellType({"x", "", 1, 1, false}, {two, two, four, tss});
  EXPECT_EQ(CodeOf([&] {
              w->AddCellType({"x", "", 1, 1, false}, {two, two, four, tss});
            }),
            ErrorCode::kInvalidArgument);
  try {
    w->Finish();  // region 1 has no motif scores
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("region chr1:21-30 has no motif scores"),
              std::string::npos)
        << e.what();
  }
  // The first writer still has the store open: a second one is refused.
  EXPECT_EQ(CodeOf([&] { StoreWriter::Create(dir.Sub("s"), meta, regions); }), ErrorCode::kBusy);
}

}  // namespace
}  // namespace getps
