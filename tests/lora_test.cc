#include <gtest/gtest.h>
#include <torch/torch.h>

#include "worker/model/get_model.h"
#include "worker/model/state_dict.h"

namespace getps {
namespace {

GetModelConfig Tiny() {
  GetModelConfig c = GetModelConfig::Small(7);
  c.dim = 16;
  c.depth = 2;
  c.heads = 2;
  return c;
}

TEST(Lora, FreshAdaptersChangeNothingAndMergingKeepsOutputs) {
  torch::manual_seed(3);
  GetModel model(Tiny());
  model->eval();
  const auto names_before = StateDict(*model);
  auto x = torch::randn({2, 9, 7});
  auto before = model->forward(x).expression;
  auto adapted = model->AddLora({});
  EXPECT_EQ(adapted,
            (std::vector<std::string>{"encoder.blocks.0.attn.qkv", "encoder.blocks.0.attn.proj",
                                      "encoder.blocks.1.attn.qkv", "encoder.blocks.1.attn.proj"}));
  EXPECT_TRUE(torch::allclose(model->forward(x).expression, before));  // B = 0
  EXPECT_EQ(AdapterDict(*model).size(), 8u);
  {
    torch::NoGradGuard no_grad;
    for (auto& [name, t] : AdapterDict(*model)) t.normal_(0, 0.5);
  }
  auto adapted_out = model->forward(x).expression;
  EXPECT_FALSE(torch::allclose(adapted_out, before, 1e-4, 1e-4));
  model->MergeLora();
  EXPECT_TRUE(torch::allclose(model->forward(x).expression, adapted_out, 1e-5, 1e-5));
  // The state dict is the reference's again: same names, no adapters.
  const auto names_after = StateDict(*model);
  ASSERT_EQ(names_after.size(), names_before.size());
  for (const auto& [name, t] : names_before) EXPECT_TRUE(names_after.count(name)) << name;
}

TEST(Lora, PatternMatchingNothingIsAnError) {
  GetModel model(Tiny());
  EXPECT_THROW(model->AddLora({"no_such_layer", 4, 1.0}), std::exception);
}

TEST(Freeze, ByNamePatternStopsGradients) {
  GetModel model(Tiny());
  const std::size_t n = FreezeParameters(*model, "^encoder\\.blocks\\.0\\.");
  EXPECT_EQ(n, 13u);  // norm1 (2), qkv, q_bias, v_bias, proj (2), norm2 (2), fc1 (2), fc2 (2)
  auto out = model->forward(torch::randn({1, 5, 7}));
  out.expression.sum().backward();
  for (const auto& p : model->named_parameters()) {
    if (p.key().rfind("encoder.blocks.0.", 0) == 0) {
      EXPECT_FALSE(p.value().grad().defined()) << p.key();
    }
  }
  EXPECT_TRUE(model->named_parameters()["encoder.blocks.1.attn.qkv.weight"].grad().defined());
}

}  // namespace
}  // namespace getps
