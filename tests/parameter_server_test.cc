// ParameterServer (coordinator/parameter_server.h) alone: a step's pushes
// are summed and applied once as MakeAdamW's update; snapshots do not move
// with later updates; pushes of an unknown tensor, the wrong size or
// another step are refused; a discarded step leaves nothing behind;
// clipping by the pushes' own norm or by a given one.
#include "coordinator/parameter_server.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/error.h"
#include "worker/model/tensor_frames.h"

namespace getps {
namespace {

// A parameter server over one tensor w = (1, -2, 3) with AdamW at lr 0.1.
struct Served {
  Served() {
    params_ = {{"w", torch::tensor({1.0f, -2.0f, 3.0f}).set_requires_grad(true)}};
    OptimizerOptions o;
    o.lr = 0.1;
    adamw_ = MakeAdamW(params_, o);
    ps_ = std::make_unique<ParameterServer>(params_, *adamw_);
  }
  NamedTensors params_;
  std::unique_ptr<torch::optim::AdamW> adamw_;
  std::unique_ptr<ParameterServer> ps_;
};

class ParameterServerTest : public ::testing::Test, public Served {
 protected:
  // One AdamW step from `start` with gradient `grad`, lr 0.1, in this process.
  static torch::Tensor Expected(const torch::Tensor& start, const torch::Tensor& grad) {
    NamedTensors p = {{"w", start.clone().set_requires_grad(true)}};
    OptimizerOptions o;
    o.lr = 0.1;
    auto adamw = MakeAdamW(p, o);
    p[0].second.mutable_grad() = grad.clone();
    adamw->step();
    return p[0].second.detach();
  }
  static std::vector<TensorFrame> Grad(const torch::Tensor& g, const std::string& name = "w") {
    return {FrameOf(name, g)};
  }
};

TEST_F(ParameterServerTest, AStepsPushesAreSummedAndAppliedOnce) {
  const torch::Tensor start = params_[0].second.detach().clone();
  const auto before = ps_->Snapshot();
  ps_->Accumulate(4, Grad(torch::tensor({0.5f, 0.0f, -1.0f})));
  ps_->Accumulate(4, Grad(torch::tensor({0.5f, 2.0f, 0.0f})));
  EXPECT_EQ(ps_->pushes(), 2);
  EXPECT_DOUBLE_EQ(ps_->GradientSquaredNorm(), 1.0 + 4.0 + 1.0);
  ps_->Apply(0.1, 0);
  EXPECT_EQ(ps_->pushes(), 0);
  EXPECT_TRUE(
      torch::allclose(params_[0].second, Expected(start, torch::tensor({1.0f, 2.0f, -1.0f}))));
  EXPECT_TRUE(torch::equal(TensorOf(before[0]), start));  // the snapshot stayed as it was
  EXPECT_TRUE(torch::equal(TensorOf(ps_->Snapshot()[0]), params_[0].second.detach()));
}

TEST_F(ParameterServerTest, MalformedPushesAndOtherStepsAreRefused) {
  auto code = [&](auto fn) {
    try {
      fn();
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::kInternal;  // nothing thrown
  };
  EXPECT_EQ(code([&] { ps_->Accumulate(0, Grad(torch::ones({3}), "nope")); }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code([&] { ps_->Accumulate(0, Grad(torch::ones({4}))); }), ErrorCode::kInvalidArgument);
  ps_->Accumulate(0, Grad(torch::ones({3})));
  EXPECT_EQ(code([&] { ps_->Accumulate(1, Grad(torch::ones({3}))); }), ErrorCode::kInvalidArgument);
  // A discarded step applies nothing, and the next starts clean.
  const torch::Tensor start = params_[0].second.detach().clone();
  ps_->Discard();
  EXPECT_EQ(ps_->pushes(), 0);
  ps_->Accumulate(1, Grad(torch::tensor({0.0f, 1.0f, 0.0f})));
  ps_->Apply(0.1, 0);
  EXPECT_TRUE(
      torch::allclose(params_[0].second, Expected(start, torch::tensor({0.0f, 1.0f, 0.0f}))));
}

TEST_F(ParameterServerTest, ClippingByTheOwnNormOrAGivenOne) {
  const torch::Tensor start = params_[0].second.detach().clone();
  ps_->Accumulate(0, Grad(torch::tensor({3.0f, 4.0f, 0.0f})));  // norm 5
  ps_->Apply(0.1, 1.0);
  const torch::Tensor clipped = torch::tensor({3.0f, 4.0f, 0.0f}) * ClipFactor(1.0, 25.0);
  EXPECT_TRUE(torch::allclose(params_[0].second, Expected(start, clipped), 1e-5, 1e-6));
  // A given norm (an asynchronous push's own): scaled as if the norm were 10.
  Served other;
  other.ps_->Accumulate(0, Grad(torch::tensor({3.0f, 4.0f, 0.0f})));
  other.ps_->ApplyClipped(0.1, 1.0, 100.0);
  const torch::Tensor by_given = torch::tensor({3.0f, 4.0f, 0.0f}) * ClipFactor(1.0, 100.0);
  EXPECT_TRUE(torch::allclose(other.params_[0].second, Expected(start, by_given), 1e-5, 1e-6));
}

}  // namespace
}  // namespace getps
