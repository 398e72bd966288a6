// MpiTransport (worker/mpi_transport.h) with two real MPI ranks (ctest runs
// this binary under `mpirun -np 2`) and a fake coordinator on rank 0: Join
// gives every replica replica 0's weights; gradients are summed, a
// parameter only one replica used gets zeros on the other; sums and
// gathers; a commit sends replica 0's state alone and every replica learns
// whether it was written; the coordinator's shards are checked.
#include <gtest/gtest.h>
#include <mpi.h>
#include <torch/torch.h>
#include <cstdint>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/fake_coordinator.h"
#include "worker/mpi_transport.h"

namespace getps {
namespace {

using std::chrono::milliseconds;

int Rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

std::string Broadcast(std::string text) {
  int n = static_cast<int>(text.size());
  MPI_Bcast(&n, 1, MPI_INT, 0, MPI_COMM_WORLD);
  text.resize(static_cast<std::size_t>(n));
  MPI_Bcast(text.data(), n, MPI_CHAR, 0, MPI_COMM_WORLD);
  return text;
}

class MpiTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RunKeys keys;
    if (Rank() == 0) {
      keys = GenerateRunKeys();
      Welcome welcome;
      welcome.shards = true;
      welcome.step_replicas = 2;
      coordinator_ = std::make_unique<testing_util::FakeCoordinator>(
          keys, Encode(welcome),
          [this](const std::string&, const Message& m) { return Answer(m); });
    }
    const auto boot = nlohmann::json::parse(
        Broadcast(Rank() == 0 ? nlohmann::json{{"endpoint", coordinator_->endpoint()},
                                               {"server_public", keys.server_public},
                                               {"client_public", keys.client_public},
                                               {"client_secret", keys.client_secret}}
                                    .dump()
                              : ""));
    keys.server_public = boot.at("server_public");
    keys.client_public = boot.at("client_public");
    keys.client_secret = boot.at("client_secret");
    MpiTransportOptions o;
    o.replicas = MPI_COMM_WORLD;
    o.mpi_rank = Rank() + 1;
    o.control = {boot.at("endpoint"), keys, "replica", milliseconds(5000), {}, {}};
    transport_ = std::make_unique<MpiTransport>(o);
  }
  void TearDown() override {
    MPI_Barrier(MPI_COMM_WORLD);  // the coordinator lives until both are done
    transport_.reset();
    coordinator_.reset();
  }
  std::vector<Message> Answer(const Message& m) {
    if (m.type == MessageType::kCheckpoint) {
      checkpoint_frames_ = static_cast<int>(m.tensors.size());
      return {
          Encode(CheckpointDone{"run/checkpoints/step-1",
                                fail_ ? std::optional<std::string>("disk full") : std::nullopt})};
    }
    if (m.type == MessageType::kShardRequest) return {Encode(ShardGrant{0, 8}, {0, m.step})};
    return {};
  }
  std::unique_ptr<testing_util::FakeCoordinator> coordinator_;  // rank 0
  std::unique_ptr<MpiTransport> transport_;
  std::atomic<int> checkpoint_frames_{-1};  // set on the coordinator's thread
  std::atomic<bool> fail_{false};
};

TEST_F(MpiTransportTest, JoinSynchroniseSumAndGather) {
  EXPECT_EQ(transport_->replica(), Rank());
  EXPECT_EQ(transport_->replicas(), 2);
  EXPECT_TRUE(transport_->hands_out_shards());
  torch::manual_seed(static_cast<std::uint64_t>(Rank()));  // different weights per rank
  torch::nn::Linear a(2, 2), b(2, 1);
  torch::nn::Sequential model(a, b);
  transport_->Join(*model);
  float first = a->weight[0][0].item<float>(), from0 = first;
  MPI_Bcast(&from0, 1, MPI_FLOAT, 0, MPI_COMM_WORLD);
  EXPECT_EQ(first, from0);
  // Rank r's gradient of `a` is r + 1; only rank 1 used `b`.
  a->weight.mutable_grad() = torch::full({2, 2}, static_cast<float>(Rank() + 1));
  if (Rank() == 1) b->weight.mutable_grad() = torch::full({1, 2}, 4.0f);
  EXPECT_FALSE(transport_->SynchroniseGradients(*model, {0, 0.1, 0}));  // the caller steps
  EXPECT_TRUE(torch::allclose(a->weight.grad(), torch::full({2, 2}, 3.0f)));
  ASSERT_TRUE(b->weight.grad().defined());
  EXPECT_TRUE(torch::allclose(b->weight.grad(), torch::full({1, 2}, 4.0f)));
  EXPECT_FALSE(a->bias.grad().defined());  // nobody used it: it keeps none
  EXPECT_EQ(transport_->Sum({1.0 + Rank(), 10}), (std::vector<double>{3, 20}));
  const auto gathered = transport_->GatherToFirst(std::vector<double>(Rank() + 1, Rank()));
  if (Rank() == 0) {
    EXPECT_EQ(gathered, (std::vector<double>{0, 1, 1}));
  } else {
    EXPECT_TRUE(gathered.empty());
  }
  EXPECT_EQ(transport_->NextShard(0, 16, 8).count, 8u);
}

TEST_F(MpiTransportTest, ACommitSendsReplicaZerosStateAndEveryReplicaLearnsTheOutcome) {
  torch::nn::Linear layer(2, 2);
  torch::optim::AdamW adamw(layer->parameters());
  EXPECT_TRUE(transport_->Checkpoint({1, {{"step", 1}}, false}, *layer, adamw));
  MPI_Barrier(MPI_COMM_WORLD);
  if (Rank() == 0) {
    EXPECT_EQ(checkpoint_frames_, 3);  // weight, bias, optimizer.pt
  }
  fail_ = true;  // rank 0's coordinator only: the other rank learns it over MPI
  MPI_Barrier(MPI_COMM_WORLD);
  EXPECT_FALSE(transport_->Checkpoint({2, {{"step", 2}}, false}, *layer, adamw));
  if (Rank() == 0) {
    const auto received = coordinator_->received();
    int commits = 0;
    for (const auto& m : received) commits += m.type == MessageType::kCheckpoint;
    EXPECT_EQ(commits, 2);  // replica 1 sent none
  }
}

}  // namespace
}  // namespace getps

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  // Only rank 0 prints; both run every test.
  if (getps::Rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int failed = RUN_ALL_TESTS();
  int any = failed;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any;
}
