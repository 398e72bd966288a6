// The transports a replica trains through (worker/transport.h):
// LocalTransport writes records, run files and checkpoints itself and
// resumes from them; PsTransport, against a fake coordinator, joins a
// generation with its weights, asks for shards and checks the grant, pushes
// what it was handed and takes the new weights, learns of a newer
// generation, and drops a malformed reply. (MpiTransport: mpi_transport_test.cc.)
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <cstdint>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.h"
#include "storage/store_reader.h"
#include "tests/fake_coordinator.h"
#include "tests/test_store.h"
#include "worker/local_transport.h"
#include "worker/model/initial_model.h"
#include "worker/model/optimizer.h"
#include "worker/model/tensor_frames.h"
#include "worker/ps_transport.h"

namespace getps {
namespace {

using std::chrono::milliseconds;
namespace fs = std::filesystem;

class LocalTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing_util::WriteHandStore(dir_.Sub("store"));
    store_ = StoreReader::Open(dir_.Sub("store"));
    options_.store = dir_.Sub("store");
    options_.run_dir = dir_.Sub("run");
    fs::create_directories(options_.run_dir);
    model_ = MakeInitialModel(options_, *store_, &config_);
    optimizer_ = MakeAdamW(model_->module(), {});
  }
  nlohmann::json Meta(std::int64_t step) const {
    return {{"step", step},
            {"epochs_done", 1},
            {"mode", "finetune"},
            {"model_config", ModelConfigJson(options_, config_)},
            {"store", options_.store},
            {"store_fingerprint", store_->fingerprint()},
            {"bad_epochs", 0}};
  }
  testing_util::TempDir dir_{"local-transport"};
  TrainOptions options_;
  std::unique_ptr<StoreReader> store_;
  GetModelConfig config_;
  std::unique_ptr<RegionModel> model_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
};

TEST_F(LocalTransportTest, WritesItsOwnRunFilesAndResumesFromItsCheckpoints) {
  LocalTransport t(options_, *store_, config_);
  EXPECT_EQ(t.replica(), 0);
  EXPECT_EQ(t.replicas(), 1);
  EXPECT_FALSE(t.hands_out_shards());
  EXPECT_FALSE(t.Join(model_->module()).carries_state);
  EXPECT_EQ(t.Sum({1.5, 2}), (std::vector<double>{1.5, 2}));
  EXPECT_EQ(t.GatherToFirst({3}), (std::vector<double>{3}));
  EXPECT_FALSE(t.SynchroniseGradients(model_->module(), {0, 0.1, 0}));  // the caller steps
  EXPECT_FALSE(t.LoadBest(model_->module()).has_value());
  EXPECT_FALSE(t.LoadStateOfRecord(model_->module(), *optimizer_).has_value());
  t.Record({{"kind", "validation"}, {"epoch", 1}});
  t.WriteRunFile("test_predictions.tsv", "a\tb\n");
  // A best checkpoint, then weights changed: LoadBest puts the checkpoint's back.
  const auto first = NamedParameters(model_->module()).front();
  const torch::Tensor saved = first.second.detach().clone();
  ASSERT_TRUE(t.Checkpoint({7, Meta(7), true}, model_->module(), *optimizer_));
  {
    torch::NoGradGuard no_grad;
    first.second.add_(1.0);
  }
  const auto best = t.LoadBest(model_->module());
  ASSERT_TRUE(best.has_value());
  EXPECT_EQ(fs::path(*best).filename(), "step-00000007");
  EXPECT_TRUE(torch::equal(first.second, saved));
  const auto resumed = t.LoadStateOfRecord(model_->module(), *optimizer_);
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(resumed->meta.at("step"), 7);
  EXPECT_EQ(resumed->owner, "");
  std::ifstream metrics(dir_.Sub("run/metrics.jsonl"));
  std::string line;
  ASSERT_TRUE(std::getline(metrics, line));
  const auto record = nlohmann::json::parse(line);
  EXPECT_EQ(record.at("epoch"), 1);
  EXPECT_TRUE(record.contains("time"));  // stamped
  std::ifstream tsv(dir_.Sub("run/test_predictions.tsv"));
  std::getline(tsv, line);
  EXPECT_EQ(line, "a\tb");
}

TEST_F(LocalTransportTest, ACheckpointThatCannotBeWrittenIsReportedAndTrainingGoesOn) {
  LocalTransport t(options_, *store_, config_);
  std::ofstream(dir_.Sub("run/checkpoints")) << "a file where the folder should be";
  EXPECT_FALSE(t.Checkpoint({1, Meta(1), false}, model_->module(), *optimizer_));
}

// A replica of a --sync ps run against a fake coordinator: 3 planned
// replicas, shards handed out, generation 4 with this replica as index 1.
class PsTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = GenerateRunKeys();
    Welcome welcome;
    welcome.sync = SyncMode::kParameterServer;
    welcome.shards = true;
    welcome.step_replicas = 3;
    welcome.rendezvous_timeout_s = 1;
    coordinator_ = std::make_unique<testing_util::FakeCoordinator>(
        keys_, Encode(welcome), [this](const std::string&, const Message& m) { return Answer(m); });
    PsTransportOptions o;
    o.control = {coordinator_->endpoint(), keys_, "replica", milliseconds(3000), {}, {}};
    transport_ = std::make_unique<PsTransport>(o);
  }
  std::vector<Message> Answer(const Message& m) {
    switch (m.type) {
      case MessageType::kRendezvous:
        return {Encode(GenerationStart{1, 2, std::nullopt, {Weight(5.0f)}}, {4, 0})};
      case MessageType::kShardRequest:
        return {Encode(ShardGrant{next_first_, grant_}, {4, m.step})};
      case MessageType::kPushGradients:
        return {Encode(Parameters{std::nullopt, std::nullopt, {Weight(2.0f)}, std::nullopt},
                       {4, m.step + 1})};
      case MessageType::kPullParameters: {
        Message malformed = Encode(Parameters{"best", std::nullopt, {Weight(3.0f)}, std::nullopt});
        malformed.body["dir"] = 12;  // not a string: dropped by the replica
        return {malformed, Encode(Parameters{"best", std::nullopt, {Weight(3.0f)}, std::nullopt})};
      }
      case MessageType::kReduce:
        return {Encode(Stale{}, {5, 0})};  // the run moved on
      default:
        return {};
    }
  }
  static TensorFrame Weight(float v) {
    const std::vector<float> values(4, v);
    return CopyTensor("weight", TensorDtype::kFloat32, {2, 2}, values.data());
  }
  RunKeys keys_;
  std::unique_ptr<testing_util::FakeCoordinator> coordinator_;
  std::unique_ptr<PsTransport> transport_;
  std::size_t next_first_ = 0, grant_ = 4;
  torch::nn::Linear layer_{torch::nn::LinearOptions(2, 2).bias(false)};
};

TEST_F(PsTransportTest, JoinsAGenerationAndExchangesWhatItWasHanded) {
  EXPECT_TRUE(transport_->hands_out_shards());
  const Membership m = transport_->Join(*layer_);
  EXPECT_TRUE(m.carries_state);
  EXPECT_EQ(m.generation, 4);
  EXPECT_EQ(transport_->replica(), 1);
  EXPECT_EQ(transport_->replicas(), 2);
  EXPECT_EQ(transport_->step_replicas(), 3);  // sized for the planned replicas
  EXPECT_TRUE(torch::allclose(layer_->weight, torch::full({2, 2}, 5.0f)));
  EXPECT_EQ(transport_->NextShard(9, 12, 4).count, 4u);
  next_first_ = 4;
  EXPECT_EQ(transport_->NextShard(9, 12, 4).first, 4u);
  layer_->weight.mutable_grad() = torch::ones({2, 2});
  EXPECT_TRUE(transport_->SynchroniseGradients(*layer_, {9, 0.1, 0}));
  EXPECT_TRUE(torch::allclose(layer_->weight, torch::full({2, 2}, 2.0f)));
  const auto received = coordinator_->received();
  const auto push = std::find_if(received.begin(), received.end(), [](const Message& r) {
    return r.type == MessageType::kPushGradients;
  });
  ASSERT_NE(push, received.end());
  EXPECT_EQ(push->generation, 4u);
  EXPECT_EQ(push->step, 9u);
  EXPECT_EQ(Decode<PushGradients>(*push).windows, std::size_t{8});  // both shards
  // The malformed answer is dropped; the good one is taken.
  EXPECT_EQ(transport_->LoadBest(*layer_).value_or(""), "best");
  EXPECT_TRUE(torch::allclose(layer_->weight, torch::full({2, 2}, 3.0f)));
}

TEST_F(PsTransportTest, AGrantPastTheStepAndANewerGenerationAreErrors) {
  transport_->Join(*layer_);
  grant_ = 8;  // more than a shard
  try {
    transport_->NextShard(0, 12, 4);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInternal);
  }
  EXPECT_THROW(transport_->Sum({1}), GenerationChanged);
}

}  // namespace
}  // namespace getps
