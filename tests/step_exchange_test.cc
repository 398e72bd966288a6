// StepExchange (coordinator/step_exchange.h) over a fake ParameterStore,
// without LibTorch: synchronous steps apply once every replica pushed and
// the pushes account for the step's windows; a shard's clipped step waits
// for the replicas' scale factor; asynchronous pushes keep the staleness
// bound; sums and gathers; a dropped generation; malformed bodies change
// nothing.
#include "coordinator/step_exchange.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <string>
#include <vector>

#include "common/error.h"

namespace getps {
namespace {

// Records what the exchange asks of a parameter server.
class FakeStore : public ParameterStore {
 public:
  void Accumulate(std::uint64_t step, const std::vector<TensorFrame>& gradients) override {
    if (pushes_ > 0 && step != step_) throw Error(ErrorCode::kInvalidArgument, "another step");
    step_ = step;
    for (const auto& g : gradients) sum_ += static_cast<const float*>(g.data)[0];
    ++pushes_;
  }
  int pushes() const override { return pushes_; }
  double GradientSquaredNorm() const override { return sum_ * sum_; }
  void ScaleGradients(double factor) override { sum_ *= factor; }
  void Apply(double lr, double clip) override {
    log.push_back("apply lr " + std::to_string(lr) + " clip " + std::to_string(clip) + " sum " +
                  std::to_string(sum_));
    weight_ -= lr * sum_;
    sum_ = 0;
    pushes_ = 0;
  }
  void ApplyClipped(double lr, double clip, double squared_norm) override {
    log.push_back("clipped to " + std::to_string(clip) + " of " + std::to_string(squared_norm));
    Apply(lr, 0);
  }
  void Discard() override {
    log.push_back("discard");
    sum_ = 0;
    pushes_ = 0;
  }
  std::vector<TensorFrame> Snapshot() const override {
    const float w = static_cast<float>(weight_);
    return {CopyTensor("w", TensorDtype::kFloat32, {1}, &w)};
  }
  std::vector<std::string> log;

 private:
  std::uint64_t step_ = 0;
  int pushes_ = 0;
  double sum_ = 0, weight_ = 1;
};

// The code of the Error `fn` throws; nullopt when it throws none.
template <typename Fn>
std::optional<ErrorCode> CodeOfThrow(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return std::nullopt;
}

TensorFrame Grad(float g) { return CopyTensor("w", TensorDtype::kFloat32, {1}, &g); }

Message Push(std::uint64_t step, float g, std::optional<std::size_t> windows, double clip = 0) {
  return Encode(PushGradients{0.5, clip, windows, {Grad(g)}}, {0, step});
}

Message ShardPushOf(int replica, std::uint64_t step, float g, double clip,
                    std::optional<double> sq_norm = std::nullopt) {
  return Encode(ShardPush{replica, 0.5, clip, sq_norm, {Grad(g)}, std::nullopt}, {0, step});
}

float WeightIn(const Message& m) {
  return static_cast<const float*>(Decode<Parameters>(m).tensors.at(0).data)[0];
}

TEST(StepExchange, ASynchronousStepAppliesOnceEveryHandedWindowWasPushed) {
  FakeStore store;
  StepExchange x(&store, -1);
  // Step 3 of 8 windows in shards of 4: replica 1 takes both.
  EXPECT_EQ(
      Decode<ShardGrant>(x.Shard("b", 1, Encode(ShardRequest{8, 4}, {0, 3}))[0].message).count, 4u);
  EXPECT_EQ(
      Decode<ShardGrant>(x.Shard("b", 1, Encode(ShardRequest{8, 4}, {0, 3}))[0].message).first, 4u);
  EXPECT_EQ(
      Decode<ShardGrant>(x.Shard("a", 0, Encode(ShardRequest{8, 4}, {0, 3}))[0].message).count, 0u);
  EXPECT_TRUE(x.Push("a", 0, 2, Push(3, 1.0f, 0)).empty());  // waits for replica 1
  EXPECT_TRUE(store.log.empty());
  const Replies replies = x.Push("b", 1, 2, Push(3, 2.0f, 8));
  ASSERT_EQ(replies.size(), 2u);
  ASSERT_EQ(store.log.size(), 1u);
  EXPECT_EQ(store.log[0], "apply lr 0.500000 clip 0.000000 sum 3.000000");
  for (const auto& r : replies) {
    EXPECT_EQ(r.message.step, 4u);  // the next step's weights
    EXPECT_FLOAT_EQ(WeightIn(r.message), 1.0f - 0.5f * 3.0f);
  }
}

TEST(StepExchange, PushesThatDoNotMatchTheHandOutBreakTheProtocol) {
  FakeStore store;
  StepExchange x(&store, -1);
  x.Shard("a", 0, Encode(ShardRequest{8, 4}, {0, 0}));
  try {
    x.Push("a", 0, 2, Push(0, 1.0f, 8));  // it was handed 4
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInternal);
    EXPECT_NE(std::string(e.what()).find("it was handed 4"), std::string::npos) << e.what();
  }
  // Both pushed what they were handed, but half of the step was never handed out.
  x.Push("a", 0, 2, Push(0, 1.0f, 4));
  EXPECT_EQ(CodeOfThrow([&] { x.Push("b", 1, 2, Push(0, 1.0f, 0)); }),
            std::optional(ErrorCode::kInternal));
}

TEST(StepExchange, AShardsClippedStepWaitsForTheSameScaleFromEveryReplica) {
  FakeStore store;
  StepExchange x(&store, -1, /*split_norm=*/true);
  EXPECT_TRUE(x.Push("a", 0, 2, ShardPushOf(0, 5, 1.0f, 0.1)).empty());
  const Replies parts = x.Push("b", 1, 2, ShardPushOf(1, 5, 2.0f, 0.1));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(Decode<ReduceResult>(parts[0].message).values, std::vector<double>{9.0});
  EXPECT_TRUE(store.log.empty());  // not applied before the factor
  EXPECT_TRUE(x.Scale("a", 2, Encode(Reduce{ReduceOp::kScale, {0.5}}, {0, 5})).empty());
  EXPECT_EQ(CodeOfThrow([&] {
              x.Scale("b", 2, Encode(Reduce{ReduceOp::kScale, {0.25}}, {0, 5}));
            }),
            std::optional(ErrorCode::kInternal));  // disagrees
  const Replies weights = x.Scale("b", 2, Encode(Reduce{ReduceOp::kScale, {0.5}}, {0, 5}));
  ASSERT_EQ(weights.size(), 2u);
  EXPECT_EQ(store.log.back(), "apply lr 0.500000 clip 0.000000 sum 1.500000");
  // A scale nobody waits for.
  EXPECT_EQ(CodeOfThrow([&] {
              x.Scale("a", 2, Encode(Reduce{ReduceOp::kScale, {1}}, {0, 6}));
            }),
            std::optional(ErrorCode::kInternal));
}

TEST(StepExchange, AsynchronousPushesApplyAtOnceWithinTheStalenessBound) {
  FakeStore store;
  StepExchange x(&store, /*staleness=*/1);
  EXPECT_EQ(x.Push("a", 0, 2, Push(0, 1.0f, std::nullopt)).size(), 1u);  // 1 ahead: answered
  EXPECT_TRUE(x.Push("a", 0, 2, Push(1, 1.0f, std::nullopt)).empty());   // 2 ahead: waits
  EXPECT_EQ(store.log.size(), 2u);                                       // both applied
  const Replies both = x.Push("b", 1, 2, Push(0, 1.0f, std::nullopt));   // the slowest moves
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].peer, "a");
  // A shard's asynchronous clipped push carries its replica's norm.
  FakeStore shard;
  StepExchange y(&shard, 0, /*split_norm=*/true);
  y.Push("a", 0, 1, ShardPushOf(0, 0, 3.0f, 0.5, 16.0));
  EXPECT_EQ(shard.log[0], "clipped to 0.500000 of 16.000000");
  EXPECT_EQ(CodeOfThrow([&] { y.Push("a", 0, 1, ShardPushOf(0, 1, 3.0f, 0.5)); }),
            std::optional(ErrorCode::kFormatMismatch));  // the norm is missing
}

TEST(StepExchange, SumsAndGathersAnswerOnceEveryReplicaSentItsPart) {
  StepExchange x(nullptr, -1);
  EXPECT_TRUE(x.Reduce("b", 1, 2, Encode(Reduce{ReduceOp::kSum, {1, 2}})).empty());
  const Replies sums = x.Reduce("a", 0, 2, Encode(Reduce{ReduceOp::kSum, {10, 20, 30}}));
  ASSERT_EQ(sums.size(), 2u);
  for (const auto& r : sums)
    EXPECT_EQ(Decode<ReduceResult>(r.message).values, (std::vector<double>{11, 22, 30}));
  x.Reduce("b", 1, 2, Encode(Reduce{ReduceOp::kGather, {3}}));
  const Replies gathered = x.Reduce("a", 0, 2, Encode(Reduce{ReduceOp::kGather, {1, 2}}));
  ASSERT_EQ(gathered.size(), 2u);
  EXPECT_EQ(gathered[0].peer, "a");  // replica order
  EXPECT_EQ(Decode<ReduceResult>(gathered[0].message).values, (std::vector<double>{1, 2, 3}));
  EXPECT_TRUE(Decode<ReduceResult>(gathered[1].message).values.empty());
  EXPECT_EQ(CodeOfThrow([&] { x.Push("a", 0, 2, Push(0, 1.0f, 0)); }),
            std::optional(ErrorCode::kInternal));
}

TEST(StepExchange, ADroppedGenerationForgetsEverythingAndMalformedBodiesChangeNothing) {
  FakeStore store;
  StepExchange x(&store, -1);
  x.Shard("a", 0, Encode(ShardRequest{8, 4}, {0, 9}));
  x.Push("a", 0, 2, Push(9, 1.0f, 4));
  EXPECT_EQ(x.Drop(), std::vector<std::string>{"a"});
  EXPECT_EQ(store.log.back(), "discard");
  EXPECT_EQ(store.pushes(), 0);
  // The next generation may take step 9 again, from its first shard.
  EXPECT_EQ(
      Decode<ShardGrant>(x.Shard("b", 0, Encode(ShardRequest{8, 4}, {0, 9}))[0].message).first, 0u);
  Message bad = Push(9, 1.0f, 4);
  bad.body.erase("lr");
  EXPECT_EQ(CodeOfThrow([&] { x.Push("b", 0, 2, bad); }),
            std::optional(ErrorCode::kFormatMismatch));
  EXPECT_EQ(store.pushes(), 0);
}

}  // namespace
}  // namespace getps
