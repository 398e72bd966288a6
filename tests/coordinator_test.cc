// RunCoordinator (coordinator/coordinator.h) on a thread, driven by fake
// replicas over the real control channel: who may join and what they are
// told, shard hand-outs, sums, records, commits, a ps generation's start
// and step, messages of an ended generation, and malformed messages, which
// are dropped while the coordinator goes on.
#include "coordinator/coordinator.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <cstdint>

#include <exception>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/error.h"
#include "storage/store_reader.h"
#include "tests/test_store.h"
#include "worker/model/initial_model.h"
#include "worker/model/optimizer.h"
#include "worker/model/tensor_frames.h"

namespace getps {
namespace {

using std::chrono::milliseconds;
namespace fs = std::filesystem;

class CoordinatorTest : public ::testing::Test {
 protected:
  void Start(SyncMode sync) {
    testing_util::WriteHandStore(dir_.Sub("store"));
    options_.train.store = dir_.Sub("store");
    options_.train.run_dir = dir_.Sub("run");
    options_.train.epochs = 3;
    options_.sync = sync;
    options_.mpi_replicas = 2;
    options_.timeout = milliseconds(20000);
    options_.probe_interval = milliseconds(200);
    keys_ = GenerateRunKeys();
    server_ =
        std::make_unique<ControlServer>(ControlServerOptions{"tcp://127.0.0.1:0", keys_, {}, {}});
    thread_ = std::thread([this] {
      try {
        RunCoordinator(options_, *server_);
      } catch (...) {
        error_ = std::current_exception();
      }
    });
  }
  void TearDown() override {
    if (thread_.joinable()) thread_.join();
  }
  std::unique_ptr<ControlClient> Client(const std::string& name) {
    return std::make_unique<ControlClient>(
        ControlClientOptions{server_->endpoint(), keys_, name, milliseconds(10000), {}, {}});
  }
  Welcome Join(ControlClient& client, std::optional<int> rank) {
    Hello hello;
    hello.host = "test";
    hello.mpi_rank = rank;
    return Decode<Welcome>(client.Join(hello));
  }
  template <typename T>
  T Await(ControlClient& client) {
    return Decode<T>(client.Receive(milliseconds(10000)));
  }
  // Both replicas finish; the coordinator returns.
  void Finish(std::uint32_t generation = 0) {
    for (auto* r : {a_.get(), b_.get()}) r->Send(Encode(Shutdown{}, {generation, 0}));
    thread_.join();
    if (error_) std::rethrow_exception(error_);
  }
  std::vector<nlohmann::json> Records() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_.Sub("run/metrics.jsonl"));
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }

  testing_util::TempDir dir_{"coordinator"};
  CoordinatorOptions options_;
  RunKeys keys_;
  std::unique_ptr<ControlServer> server_;
  std::thread thread_;
  std::exception_ptr error_;
  std::unique_ptr<ControlClient> a_, b_;  // replicas 0 and 1 (mpirun ranks 1 and 2)
};

TEST_F(CoordinatorTest, AnMpiRunTakesItsRanksHandsOutShardsSumsAndWritesCommits) {
  Start(SyncMode::kMpi);
  auto outsider = Client("outsider");
  try {
    Join(*outsider, std::nullopt);
    FAIL() << "a worker from outside mpirun joined an mpi run";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kRefused);
    EXPECT_NE(std::string(e.what()).find("takes no workers from outside mpirun"),
              std::string::npos);
  }
  a_ = Client("a");
  b_ = Client("b");
  const Welcome welcome = Join(*a_, 1);
  Join(*b_, 2);
  EXPECT_EQ(welcome.sync, SyncMode::kMpi);
  EXPECT_TRUE(welcome.shards);
  EXPECT_EQ(welcome.step_replicas, 2);
  EXPECT_EQ(welcome.train.at("epochs"), 3);
  // Shards of step 0: 8 windows in shards of 4, to whoever asks first.
  a_->Send(Encode(ShardRequest{8, 4}));
  EXPECT_EQ(Await<ShardGrant>(*a_).first, 0u);
  b_->Send(Encode(ShardRequest{8, 4}));
  EXPECT_EQ(Await<ShardGrant>(*b_).first, 4u);
  // A malformed record is dropped; the run goes on and takes the next one.
  Message bad = Encode(Metrics{{{"kind", "validation"}}});
  bad.body.erase("record");
  a_->Send(bad);
  a_->Send(Encode(Metrics{{{"kind", "validation"}, {"epoch", 1}}}));
  a_->Send(Encode(Reduce{ReduceOp::kSum, {1, 2}}));
  b_->Send(Encode(Reduce{ReduceOp::kSum, {10, 20}}));
  EXPECT_EQ(Await<ReduceResult>(*a_).values, (std::vector<double>{11, 22}));
  EXPECT_EQ(Await<ReduceResult>(*b_).values, (std::vector<double>{11, 22}));
  // Replica 0's commit carries the state the checkpoint is written from.
  const auto store = StoreReader::Open(options_.train.store);
  GetModelConfig config;
  auto model = MakeInitialModel(options_.train, *store, &config);
  auto adamw = MakeAdamW(model->module(), {});
  a_->Send(Encode(
      CheckpointRequest{
          {{"step", 1}, {"mode", "finetune"}}, true, TrainingStateFrames(model->module(), *adamw)},
      {0, 1}));
  const auto done = Await<CheckpointDone>(*a_);
  EXPECT_FALSE(done.error.has_value());
  EXPECT_TRUE(fs::exists(fs::path(done.dir) / "model.pt")) << done.dir;
  Finish();
  const auto records = Records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("epoch"), 1);
}

TEST_F(CoordinatorTest, APsGenerationStartsWithTheWeightsAndStepsOncePushesAddUp) {
  Start(SyncMode::kParameterServer);
  a_ = Client("a");
  b_ = Client("b");
  EXPECT_EQ(Join(*a_, 1).sync, SyncMode::kParameterServer);
  Join(*b_, 2);
  a_->Send(Encode(Rendezvous{}));
  b_->Send(Encode(Rendezvous{}));
  const Message start_a = a_->Receive(milliseconds(10000));
  const auto start = Decode<GenerationStart>(start_a);
  EXPECT_EQ(start_a.generation, 0u);
  EXPECT_EQ(start.replica, 0);
  EXPECT_EQ(start.replicas, 2);
  EXPECT_FALSE(start.commit.has_value());  // afresh
  EXPECT_EQ(Await<GenerationStart>(*b_).replica, 1);
  // A message of another generation is told stale.
  a_->Send(Encode(ShardRequest{8, 8}, {7, 0}));
  EXPECT_EQ(a_->Receive(milliseconds(10000)).type, MessageType::kStale);
  // Replica 0 takes the step's one shard; a malformed push is dropped.
  a_->Send(Encode(ShardRequest{8, 8}));
  EXPECT_EQ(Await<ShardGrant>(*a_).count, 8u);
  std::vector<TensorFrame> zeros;
  for (const auto& f : start.tensors) {
    const std::vector<float> z(f.bytes / sizeof(float), 0.0f);
    zeros.push_back(CopyTensor(f.name, TensorDtype::kFloat32, f.shape, z.data()));
  }
  Message bad = Encode(PushGradients{0.1, 0, std::size_t{8}, zeros});
  bad.body.erase("lr");
  a_->Send(bad);
  a_->Send(Encode(PushGradients{0.1, 0, std::size_t{8}, zeros}));
  b_->Send(Encode(PushGradients{0.1, 0, std::size_t{0}, {}}));
  for (auto* r : {a_.get(), b_.get()}) {
    const Message weights = r->Receive(milliseconds(10000));
    ASSERT_EQ(weights.type, MessageType::kParameters);
    EXPECT_EQ(weights.step, 1u);
    EXPECT_EQ(weights.tensors.size(), start.tensors.size());
  }
  Finish();
}

}  // namespace
}  // namespace getps
