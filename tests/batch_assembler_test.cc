#include "storage/batch_assembler.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <algorithm>

#include "common/error.h"
#include "storage/store_reader.h"
#include "tests/test_store.h"

namespace getps {
namespace {

using testing_util::kMotifs;

class BatchAssemblerTest : public ::testing::TestWithParam<MotifDtype> {
 protected:
  void SetUp() override {
    testing_util::HandStoreSpec spec;
    spec.dtype = GetParam();
    testing_util::WriteHandStore(dir_.Sub("s"), spec);
    store_ = StoreReader::Open(dir_.Sub("s"));
  }
  // The expected max of motif j over cell type ct's accessible regions.
  float ExpectedMax(int ct, std::uint32_t j) const {
    float m = 0;
    for (std::uint32_t id = 0; id < store_->regions().size(); ++id) {
      if (testing_util::HandCount(ct, id) > 0) m = std::max(m, testing_util::HandMotif(id, j));
    }
    return m;
  }
  testing_util::TempDir dir_{"assemble"};
  std::unique_ptr<StoreReader> store_;
};

TEST_P(BatchAssemblerTest, FeaturesAndTargetsMatchTheDefinition) {
  BatchAssembler assembler(*store_, {200, AtacMode::kQuantitative});
  ASSERT_EQ(assembler.num_features(), kMotifs + 1);
  // "third" on chr1: accessible ids 0, 3, 6, ... (334 of them); "all" on chr1.
  std::vector<Window> windows = {{1, 0, 100}, {0, 0, 800}};
  Batch batch;
  assembler.Assemble(windows, &batch);
  ASSERT_EQ(batch.size, 2u);
  const std::size_t f = kMotifs + 1;
  for (std::size_t b = 0; b < 2; ++b) {
    const int ct = windows[b].celltype;
    const AccessibleRegions& acc = store_->Accessible(ct, windows[b].chrom);
    float window_max = 0;
    for (std::size_t r = 0; r < 200; ++r)
      window_max = std::max(window_max, acc.logcpm[windows[b].first + r]);
    for (std::size_t r = 0; r < 200; ++r) {
      const std::uint32_t id = acc.ids[windows[b].first + r];
      ASSERT_EQ(batch.region_ids[b * 200 + r], id);
      if (ct == 1) {
        ASSERT_EQ(id, 3u * (100 + r));
      }
      const float* row = &batch.features[(b * 200 + r) * f];
      for (std::uint32_t j = 0; j < kMotifs; ++j) {
        float want = std::min(testing_util::HandMotif(id, j) / ExpectedMax(ct, j), 1.0f);
        ASSERT_NEAR(row[j], want, 1e-6) << "window " << b << " row " << r << " motif " << j;
      }
      EXPECT_FLOAT_EQ(row[kMotifs], testing_util::HandLogCpm(ct, id) / window_max);
      EXPECT_FLOAT_EQ(batch.atac[b * 200 + r], testing_util::HandLogCpm(ct, id));
      EXPECT_EQ(batch.expression[(b * 200 + r) * 2 + 1], testing_util::HandExpression(id, 1));
      EXPECT_EQ(batch.tss_mask[(b * 200 + r) * 2], testing_util::HandTss(id, 0));
    }
  }
}

TEST_P(BatchAssemblerTest, BinaryAccessibilityIsOne) {
  BatchAssembler assembler(*store_, {200, AtacMode::kBinary});
  Batch batch;
  std::vector<Window> windows = {{0, 0, 0}};
  assembler.Assemble(windows, &batch);
  for (std::size_t r = 0; r < 200; ++r)
    EXPECT_EQ(batch.features[r * (kMotifs + 1) + kMotifs], 1.0f);
  EXPECT_GT(*std::max_element(batch.atac.begin(), batch.atac.end()),
            0.0f);  // the target stays quantitative
}

TEST_P(BatchAssemblerTest, SteadyStateDoesNotReallocate) {
  BatchAssembler assembler(*store_, {200, AtacMode::kQuantitative});
  Batch batch;
  std::vector<Window> big = {{0, 0, 0}, {0, 0, 200}, {0, 1, 0}};
  assembler.Assemble(big, &batch);
  const float* features = batch.features.data();
  const std::uint32_t* ids = batch.region_ids.data();
  std::vector<Window> small = {{1, 0, 0}};
  assembler.Assemble(small, &batch);
  assembler.Assemble(big, &batch);
  EXPECT_EQ(batch.features.data(), features);
  EXPECT_EQ(batch.region_ids.data(), ids);
  EXPECT_EQ(batch.size, 3u);
}

TEST_P(BatchAssemblerTest, WindowPastTheEndIsOutOfRange) {
  BatchAssembler assembler(*store_, {200, AtacMode::kQuantitative});
  Batch batch;
  std::vector<Window> past = {{0, 1, 251}};  // 450 accessible: the last start is 250
  try {
    assembler.Assemble(past, &batch);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfRange);
    EXPECT_NE(std::string(e.what()).find("only 450 are accessible"), std::string::npos) << e.what();
  }
  std::vector<Window> bad_ct = {{9, 0, 0}};
  EXPECT_THROW(assembler.Assemble(bad_ct, &batch), Error);
}

INSTANTIATE_TEST_SUITE_P(Dtypes, BatchAssemblerTest,
                         ::testing::Values(MotifDtype::kFloat32, MotifDtype::kFloat16),
                         [](const auto& p) { return std::string(MotifDtypeName(p.param)); });

}  // namespace
}  // namespace getps
