// ServeParameterShard: one parameter server shard, on a thread, driven by a
// coordinator client and two replica clients over the real control
// channel. The update is AdamW's on the summed pushes (against MakeAdamW
// in this process); clipping waits for the replicas' scale factor; a bad
// push is refused and the shard goes on; an ended generation is told
// stale; a commit point returns the AdamW state.
#include "coordinator/parameter_shard_server.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <memory>
#include <thread>

#include "protocol/messages.h"
#include "worker/model/optimizer.h"
#include "worker/model/tensor_frames.h"

namespace getps {
namespace {

using std::chrono::milliseconds;

class ParameterShardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = GenerateRunKeys();
    server_ =
        std::make_unique<ControlServer>(ControlServerOptions{"tcp://127.0.0.1:0", keys_, {}, {}});
    thread_ = std::thread([this] {
      ServeParameterShard({0, milliseconds(20000), milliseconds(100), {}}, *server_);
    });
    coordinator_ = Client("coordinator");
    Hello hello;
    hello.role = PeerRole::kCoordinator;
    coordinator_->Join(hello);
    for (auto& r : replicas_) {
      r = Client("replica");
      r->Join();
    }
  }
  void TearDown() override {
    coordinator_->Send(Encode(Shutdown{}));
    thread_.join();
  }
  std::unique_ptr<ControlClient> Client(const std::string& name) {
    return std::make_unique<ControlClient>(
        ControlClientOptions{server_->endpoint(), keys_, name, milliseconds(10000), {}, {}});
  }
  // Generation `g` of 2 replicas from weights `w` (no AdamW state yet).
  void Start(std::uint32_t g) {
    coordinator_->Send(Encode(ShardGeneration{2, -1, 0.05, {FrameOf("layer.weight", w_)}}, {g, 0}));
    EXPECT_EQ(coordinator_->Receive(milliseconds(10000)).type, MessageType::kGeneration);
  }
  Message Push(int replica, std::uint32_t g, const torch::Tensor& grad, double clip,
               const std::string& name = "layer.weight") {
    const Message m = Encode(
        ShardPush{replica, 0.1, clip, std::nullopt, {FrameOf(name, grad)}, std::nullopt}, {g, 0});
    replicas_[replica]->Send(m);
    return m;
  }
  Message Reply(int replica) { return replicas_[replica]->Receive(milliseconds(10000)); }
  // AdamW (MakeAdamW, lr 0.1) on w_ with gradient `grad`, one step.
  torch::Tensor Expected(const torch::Tensor& grad) {
    NamedTensors p = {{"layer.weight", w_.clone().set_requires_grad(true)}};
    OptimizerOptions o;
    o.weight_decay = 0.05;
    o.lr = 0.1;
    auto adamw = MakeAdamW(p, o);
    p[0].second.mutable_grad() = grad.clone();
    adamw->step();
    return p[0].second.detach();
  }

  RunKeys keys_;
  std::unique_ptr<ControlServer> server_;
  std::thread thread_;
  std::unique_ptr<ControlClient> coordinator_, replicas_[2];
  torch::Tensor w_ = torch::tensor({{1.0f, -2.0f}, {3.0f, 0.5f}});
  torch::Tensor g1_ = torch::tensor({{0.5f, 1.0f}, {-1.0f, 2.0f}});
  torch::Tensor g2_ = torch::tensor({{1.5f, -3.0f}, {0.0f, 1.0f}});
};

TEST_F(ParameterShardTest, SumsTheStepsPushesAndAppliesAdamWOnce) {
  Start(0);
  Push(0, 0, g1_, 0);
  Push(1, 0, g2_, 0);
  const auto want = Expected(g1_ + g2_);
  for (int r = 0; r < 2; ++r) {
    const Message got = Reply(r);
    ASSERT_EQ(got.type, MessageType::kParameters);
    EXPECT_EQ(got.step, 1u);
    EXPECT_TRUE(torch::allclose(TensorOf(got.tensors.at(0)).view({2, 2}), want, 1e-6, 1e-7));
  }
  // A commit point: the weights and the AdamW state of the step.
  coordinator_->Send(Encode(CollectState{}));
  const Message state = coordinator_->Receive(milliseconds(10000));
  ASSERT_EQ(state.type, MessageType::kCheckpointDone);
  std::vector<std::string> names;
  for (const auto& f : state.tensors) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"layer.weight", "layer.weight@exp_avg",
                                             "layer.weight@exp_avg_sq", "layer.weight@step"}));
  EXPECT_TRUE(torch::allclose(TensorOf(state.tensors[1]).view({2, 2}), 0.1 * (g1_ + g2_)));
  EXPECT_EQ(TensorOf(state.tensors[3]).item<std::int64_t>(), 1);
}

TEST_F(ParameterShardTest, ClippingWaitsForTheReplicasScaleFactor) {
  Start(0);
  Push(0, 0, g1_, 0.5);
  Push(1, 0, g2_, 0.5);
  const double squared = (g1_ + g2_).square().sum().item<double>();  // 4 + 4 + 1 + 9
  for (int r = 0; r < 2; ++r) {
    const Message part = Reply(r);
    ASSERT_EQ(part.type, MessageType::kReduce);
    EXPECT_NEAR(Decode<ReduceResult>(part).values.at(0), squared, 1e-9);
  }
  const double factor = ClipFactor(0.5, squared);
  EXPECT_LT(factor, 1.0);
  for (int r = 0; r < 2; ++r) {
    replicas_[r]->Send(Encode(Reduce{ReduceOp::kScale, {factor}}));
  }
  const auto want = Expected((g1_ + g2_) * factor);
  for (int r = 0; r < 2; ++r) {
    const Message got = Reply(r);
    ASSERT_EQ(got.type, MessageType::kParameters);
    EXPECT_TRUE(torch::allclose(TensorOf(got.tensors.at(0)).view({2, 2}), want, 1e-6, 1e-7));
  }
}

TEST_F(ParameterShardTest, ABadPushIsRefusedAndTheShardGoesOn) {
  Start(0);
  Push(0, 0, g1_, 0, "no.such.parameter");
  const Message refused = Reply(0);
  ASSERT_EQ(refused.type, MessageType::kReject);
  EXPECT_NE(Decode<Reject>(refused).reason.find("no.such.parameter"), std::string::npos);
  // The step is still open: both replicas' pushes complete it.
  Push(0, 0, g1_, 0);
  Push(1, 0, g2_, 0);
  EXPECT_EQ(Reply(0).type, MessageType::kParameters);
  EXPECT_EQ(Reply(1).type, MessageType::kParameters);
}

TEST_F(ParameterShardTest, AnEndedGenerationIsToldStaleAndTheNextStartsFromTheCommit) {
  Start(0);
  Push(0, 0, g1_, 0);  // waits for replica 1, which is lost
  coordinator_->Send(Encode(Stale{}, {1, 0}));
  const Message stale = Reply(0);
  EXPECT_EQ(stale.type, MessageType::kStale);
  EXPECT_EQ(stale.generation, 1u);
  Push(1, 0, g2_, 0);  // late, of the ended generation
  EXPECT_EQ(Reply(1).type, MessageType::kStale);
  // Generation 1 from the same commit: replica 0's push of generation 0 left
  // nothing behind.
  Start(1);
  Push(0, 1, g1_, 0);
  Push(1, 1, g2_, 0);
  const auto want = Expected(g1_ + g2_);
  const Message got = Reply(0);
  ASSERT_EQ(got.type, MessageType::kParameters);
  EXPECT_EQ(got.generation, 1u);
  EXPECT_TRUE(torch::allclose(TensorOf(got.tensors.at(0)).view({2, 2}), want, 1e-6, 1e-7));
}

}  // namespace
}  // namespace getps
