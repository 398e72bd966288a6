// StepBatches (worker/step_batches.h) over a hand-made store: every batch of
// a step is handed out once, and the part that says `last` is the
// replica's last of the step, both for shards granted by a coordinator (the
// grant's `left` is 0; the real StepShards hands them out) and for a static
// slice of one process.
#include "worker/step_batches.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <cstdint>

#include "coordinator/step_shards.h"
#include "storage/window_plan.h"
#include "tests/test_store.h"

namespace getps {
namespace {

using testing_util::TempDir;

// A transport that only hands out shards (or, with shards off, stands for
// one process); the rest is not called by StepBatches.
class ShardsOnly : public Transport {
 public:
  explicit ShardsOnly(bool shards) : shards_(shards) {}
  int replica() const override { return 0; }
  int replicas() const override { return 1; }
  bool hands_out_shards() const override { return shards_; }
  StepShard NextShard(std::int64_t step, std::size_t windows, std::size_t shard) override {
    ++asked;
    return hand_out_.Take(0, static_cast<std::uint64_t>(step), windows, shard);
  }
  int asked = 0;  // NextShard calls
  Membership Join(torch::nn::Module&) override { return {}; }
  bool SynchroniseGradients(torch::nn::Module&, const GradientSyncOptions&) override {
    return false;
  }
  std::vector<double> Sum(std::vector<double> v) override { return v; }
  std::vector<double> GatherToFirst(const std::vector<double>& v) override { return v; }
  std::optional<std::string> LoadBest(torch::nn::Module&) override { return std::nullopt; }
  std::optional<ResumePoint> LoadStateOfRecord(torch::nn::Module&,
                                               torch::optim::Optimizer&) override {
    return std::nullopt;
  }
  std::string StateOfRecordPlace() const override { return "nowhere"; }
  void WriteRunFile(const std::string&, const std::string&) override {}
  void Record(const nlohmann::json&) override {}
  bool Checkpoint(const CommitOptions&, torch::nn::Module&, torch::optim::Optimizer&) override {
    return false;
  }
  void WriteMergedModel(RegionModel&) override {}
  void Finish() override {}

 private:
  bool shards_;
  StepShards hand_out_;
};

TEST(StepBatches, TheLastPartOfEveryStepSaysSo) {
  TempDir dir("step_batches");
  testing_util::WriteHandStore(dir.Sub("store"));
  const auto store = StoreReader::Open(dir.Sub("store"));
  WindowPlanOptions plan;
  plan.window_size = 20;
  plan.stride = 20;
  const std::vector<Window> order = WindowPlan::Build(*store, plan).windows();
  ASSERT_GE(order.size(), 25u);
  for (const bool shards : {true, false}) {
    SCOPED_TRACE(shards ? "granted shards" : "a static slice");
    ShardsOnly transport(shards);
    // Steps of 10 windows in batches of 4: parts of 4, 4, 2, the last so.
    StepBatches batches(*store, torch::kCPU, order, {0, 10, 4, {20, AtacMode::kQuantitative}},
                        transport);
    for (std::int64_t step = 0; step < 2; ++step) {
      std::vector<std::size_t> counts;
      std::vector<bool> last;
      while (auto part = batches.Next(step, static_cast<std::size_t>(step) * 10,
                                      static_cast<std::size_t>(step + 1) * 10)) {
        counts.push_back(part->count);
        last.push_back(part->last);
      }
      EXPECT_EQ(counts, (std::vector<std::size_t>{4, 4, 2}));
      EXPECT_EQ(last, (std::vector<bool>{false, false, true}));
      // Granted shards: after the step's last, no request (one that came
      // after a faster replica's first of the next step would be refused).
      if (shards) {
        EXPECT_EQ(transport.asked, 3 * (step + 1));
      }
    }
  }
}

}  // namespace
}  // namespace getps
