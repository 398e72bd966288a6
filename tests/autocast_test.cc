#include "worker/model/autocast.h"

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/error.h"
#include "worker/model/get_model.h"

namespace getps {
namespace {

TEST(Autocast, PrecisionNames) {
  EXPECT_EQ(PrecisionNamed("auto", c10::DeviceType::CUDA), Precision::kBf16);
  EXPECT_EQ(PrecisionNamed("auto", c10::DeviceType::CPU), Precision::kFp32);
  EXPECT_EQ(PrecisionNamed("bf16", c10::DeviceType::CPU), Precision::kBf16);
  EXPECT_EQ(PrecisionNamed("fp32", c10::DeviceType::CUDA), Precision::kFp32);
  EXPECT_THROW(PrecisionNamed("fp16", c10::DeviceType::CPU), Error);
}

// bf16 autocast on CPU (the same code path as on CUDA): linear layers run in
// bfloat16, so the output moves by about bf16's resolution and no further;
// leaving the scope restores fp32; an fp32 scope changes nothing.
TEST(Autocast, Bf16ForwardIsCloseButNotIdenticalAndScopeRestores) {
  GetModelConfig c = GetModelConfig::Small(9);
  c.dim = 32;
  c.depth = 2;
  c.heads = 2;
  torch::manual_seed(5);
  GetModel model(c);
  model->eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::rand({2, 20, 9});
  const auto fp32 = model->forward(x).expression;
  torch::Tensor bf16;
  {
    AutocastScope scope(c10::DeviceType::CPU, Precision::kBf16);
    EXPECT_TRUE(at::autocast::is_autocast_enabled(c10::DeviceType::CPU));
    EXPECT_EQ(torch::matmul(x, x.transpose(1, 2)).scalar_type(), torch::kBFloat16);
    bf16 = model->forward(x).expression.to(torch::kFloat);
  }
  EXPECT_FALSE(at::autocast::is_autocast_enabled(c10::DeviceType::CPU));
  EXPECT_EQ(torch::matmul(x, x.transpose(1, 2)).scalar_type(), torch::kFloat);
  EXPECT_FALSE(torch::equal(bf16, fp32));
  EXPECT_LT((bf16 - fp32).abs().max().item<float>(), 0.05f * fp32.abs().max().item<float>());
  {
    AutocastScope scope(c10::DeviceType::CPU, Precision::kFp32);
    EXPECT_FALSE(at::autocast::is_autocast_enabled(c10::DeviceType::CPU));
    EXPECT_TRUE(torch::equal(model->forward(x).expression, fp32));
  }
}

}  // namespace
}  // namespace getps
