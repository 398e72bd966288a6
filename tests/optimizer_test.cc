#include "worker/optimizer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "worker/get_model.h"

namespace getps {
namespace {

TEST(Optimizer, NoDecayOnOneDimensionalBiasesAndClsToken) {
  GetModelConfig c = GetModelConfig::Small(9);
  c.dim = 16;
  c.depth = 2;
  c.heads = 2;
  GetModel model(c);
  auto adamw = MakeAdamW(*model, {});
  ASSERT_EQ(adamw->param_groups().size(), 2u);
  auto& decayed = adamw->param_groups()[0];
  auto& plain = adamw->param_groups()[1];
  EXPECT_DOUBLE_EQ(static_cast<torch::optim::AdamWOptions&>(decayed.options()).weight_decay(),
                   0.05);
  EXPECT_DOUBLE_EQ(static_cast<torch::optim::AdamWOptions&>(plain.options()).weight_decay(), 0.0);
  std::size_t matrices = 0, others = 0;
  for (const auto& p : model->named_parameters()) {
    const bool decays = p.value().dim() > 1 && p.key() != "cls_token";
    (decays ? matrices : others)++;
  }
  EXPECT_EQ(decayed.params().size(), matrices);  // includes mask_token [1,1,D], excludes cls_token
  EXPECT_EQ(plain.params().size(), others);
  for (const auto& t : plain.params()) EXPECT_TRUE(t.dim() <= 1 || t.size(-1) == c.dim);
}

TEST(Optimizer, WarmupThenCosine) {
  OptimizerOptions o;
  o.lr = 1.0;
  o.min_lr = 0.0;
  o.warmup_steps = 10;
  o.total_steps = 110;
  EXPECT_DOUBLE_EQ(ScheduledLearningRate(o, 0), 0.1);
  EXPECT_DOUBLE_EQ(ScheduledLearningRate(o, 9), 1.0);
  EXPECT_DOUBLE_EQ(ScheduledLearningRate(o, 10), 1.0);
  EXPECT_NEAR(ScheduledLearningRate(o, 60), 0.5, 1e-12);
  EXPECT_NEAR(ScheduledLearningRate(o, 110), 0.0, 1e-12);
  EXPECT_NEAR(ScheduledLearningRate(o, 500), 0.0, 1e-12);
}

}  // namespace
}  // namespace getps
