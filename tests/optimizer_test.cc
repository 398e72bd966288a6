#include "worker/model/optimizer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <cstdint>

#include "worker/model/get_model.h"

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

// The fused step (at::_fused_adamw_, which has a CPU kernel too) makes the
// same update as LibTorch's AdamW, with both parameter groups, over steps
// where the learning rate changes; and it keeps the same state.
TEST(Optimizer, FusedStepMatchesUnfused) {
  GetModelConfig c = GetModelConfig::Small(9);
  c.dim = 16;
  c.depth = 2;
  c.heads = 2;
  torch::manual_seed(3);
  GetModel plain_model(c), fused_model(c);
  {
    torch::NoGradGuard no_grad;
    const auto from = plain_model->parameters(), to = fused_model->parameters();
    for (std::size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
  }
  plain_model->eval();  // no stochastic depth: both models see the same graph
  fused_model->eval();
  const auto initial_head = plain_model->named_parameters()["head_exp.head.weight"].clone();
  OptimizerOptions o;
  o.lr = 1e-2;
  o.warmup_steps = 2;
  o.total_steps = 6;
  auto plain = MakeAdamW(*plain_model, o);
  o.fused = true;
  auto fused = MakeAdamW(*fused_model, o);
  const auto x = torch::rand({2, 12, 9});
  for (std::int64_t step = 0; step < 6; ++step) {
    for (auto* opt : {plain.get(), fused.get()})
      SetLearningRate(*opt, ScheduledLearningRate(o, step));
    for (auto [model, opt] :
         {std::pair{&plain_model, plain.get()}, std::pair{&fused_model, fused.get()}}) {
      opt->zero_grad();
      (*model)->forward(x).expression.pow(2).mean().backward();
      opt->step();
    }
  }
  const auto a = plain_model->named_parameters(), b = fused_model->named_parameters();
  for (const auto& p : a) {
    EXPECT_TRUE(torch::allclose(p.value(), b[p.key()], 1e-5, 1e-6)) << p.key();
  }
  // The steps did move the weights (else equality above proves nothing).
  EXPECT_FALSE(torch::equal(a["head_exp.head.weight"], initial_head));
  // Same state layout: counts and moments agree.
  ASSERT_EQ(plain->state().size(), fused->state().size());
  for (auto [model, opt] :
       {std::pair{&plain_model, plain.get()}, std::pair{&fused_model, fused.get()}}) {
    for (const auto& p : (*model)->parameters()) {
      if (!p.grad().defined()) continue;  // e.g. the pretraining head
      const auto& s =
          static_cast<torch::optim::AdamWParamState&>(*opt->state().at(p.unsafeGetTensorImpl()));
      EXPECT_EQ(s.step(), 6);
    }
  }
}

}  // namespace
}  // namespace getps
