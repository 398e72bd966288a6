#include "worker/people_predictions.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <cstdint>

#include "storage/gene_window.h"
#include "test_store.h"
#include "worker/batch_tensors.h"
#include "worker/model/get_model.h"

namespace getps {
namespace {

using testing_util::kMotifs;
using testing_util::TempDir;

TEST(PeoplePredictor, EachPersonGetsTheModelOnTheirWindowAndTheReferenceIsShared) {
  TempDir dir("people_predictions");
  testing_util::WriteHandStore(dir.Sub("store"));
  auto store = StoreReader::Open(dir.Sub("store"));
  {
    auto writer = GenotypeWriter::Create(dir.Sub("g"), false);
    writer->PutPersonDelta(1, 505, {{0, 2}, {3, -1}});  // in GENE500's window
    writer->PutPersonDelta(2, 900, {{1}, {4}});         // far from it
    writer->PutPersonDelta(3, 510, {{4}, {2}});
    GenotypeMetadata meta;
    meta.store_fingerprint = store->fingerprint();
    meta.individuals = {"REF", "NEAR", "FAR", "NEAR2"};
    meta.num_features = kMotifs;
    writer->Finish(meta);
  }
  auto genotypes = GenotypeReader::Open(dir.Sub("g"));
  std::vector<GenotypeOverlay> overlays;
  for (std::uint16_t k = 0; k < 4; ++k) overlays.emplace_back(*store, *genotypes, k);
  const std::vector<const GenotypeOverlay*> people{&overlays[0], &overlays[1], &overlays[2],
                                                   &overlays[3]};
  torch::manual_seed(5);
  GetModelConfig c = GetModelConfig::Small(kMotifs + 1);
  c.dim = 8;
  c.depth = 1;
  c.heads = 2;
  c.task = RegionTask::kExpression;
  auto model = MakeRegionModel(ModelKind::kGet, c);
  model->module().eval();
  const GeneRecord gene = *store->FindGene("GENE500");
  const GeneTask task{gene, 0, WindowAroundGene(*store, gene, 0, kRegionsPerWindow)};

  // Expected: the model on each window, assembled and overlaid here.
  const BatchAssembler assembler(*store, {kRegionsPerWindow, AtacMode::kQuantitative});
  auto expected = [&](const GenotypeOverlay& o) {
    Batch b;
    assembler.Assemble(std::span<const Window>(&task.window.window, 1), &b);
    o.Apply(&b);
    torch::NoGradGuard no_grad;
    return model->Forward(CopyBatch(b, torch::kCPU).features, {})
        .expression[0][task.window.row][0]
        .item<float>();
  };
  for (const std::size_t batch : {1u, 2u, 8u}) {
    PeoplePredictor predictor(*model, *store, torch::kCPU, AtacMode::kQuantitative, batch);
    std::size_t run = 0;
    const auto p = predictor.Predict(task, people, &run);
    ASSERT_EQ(p.size(), 4u);
    EXPECT_EQ(run, 2u) << batch;  // NEAR and NEAR2: the others share the reference
    EXPECT_EQ(p[0], p[2]);
    EXPECT_NEAR(p[0], expected(overlays[0]), 1e-6);
    EXPECT_NEAR(p[1], expected(overlays[1]), 1e-6);
    EXPECT_NEAR(p[3], expected(overlays[3]), 1e-6);
    EXPECT_NE(p[1], p[0]);
    EXPECT_NE(p[3], p[1]);
  }
  // Nobody differing: one pass, the reference for all.
  PeoplePredictor predictor(*model, *store, torch::kCPU, AtacMode::kQuantitative, 4);
  std::size_t run = 0;
  const auto p = predictor.Predict(task, {&overlays[0], &overlays[2]}, &run);
  EXPECT_EQ(run, 0u);
  EXPECT_NEAR(p[0], expected(overlays[0]), 1e-6);
  EXPECT_EQ(p[1], p[0]);
}

}  // namespace
}  // namespace getps
