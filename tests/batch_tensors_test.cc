#include "worker/batch_tensors.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <cstdint>

#include "storage/batch_assembler.h"
#include "storage/store_reader.h"
#include "tests/test_store.h"

namespace getps {
namespace {

TEST(BatchTensors, ViewAliasesAndCopyOwns) {
  testing_util::TempDir dir("tensors");
  testing_util::WriteHandStore(dir.Sub("s"));
  auto store = StoreReader::Open(dir.Sub("s"));
  BatchAssembler assembler(*store, {200, AtacMode::kQuantitative});
  Batch batch;
  std::vector<Window> windows = {{0, 0, 0}, {1, 0, 100}};
  assembler.Assemble(windows, &batch);

  BatchTensors view = ViewBatch(batch);
  EXPECT_EQ(view.features.sizes(), (std::vector<std::int64_t>{2, 200, testing_util::kMotifs + 1}));
  EXPECT_EQ(view.expression.sizes(), (std::vector<std::int64_t>{2, 200, 2}));
  EXPECT_EQ(view.atac.sizes(), (std::vector<std::int64_t>{2, 200}));
  EXPECT_EQ(view.features.data_ptr<float>(), batch.features.data());  // no copy
  EXPECT_EQ(view.region_ids[1][5].item<std::int64_t>(), 3 * (100 + 5));
  EXPECT_FLOAT_EQ(view.features[1][7][2].item<float>(), batch.features[(200 + 7) * 6 + 2]);

  BatchTensors copy = CopyBatch(batch, torch::kCPU);
  EXPECT_NE(copy.features.data_ptr<float>(), batch.features.data());
  EXPECT_TRUE(torch::equal(copy.features, view.features));
  EXPECT_TRUE(torch::equal(copy.tss_mask, view.tss_mask));
  batch.features[0] = 123.0f;  // the view sees writes to the batch, the copy does not
  EXPECT_EQ(view.features[0][0][0].item<float>(), 123.0f);
  EXPECT_NE(copy.features[0][0][0].item<float>(), 123.0f);
}

}  // namespace
}  // namespace getps
