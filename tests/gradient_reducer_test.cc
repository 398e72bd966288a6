// GradientReducer (worker/gradient_reducer.h) with replicas as threads of one
// process, each with its own copy of a small model, joined by an in-process
// BucketCollective that sums a bucket once every replica has started it:
// buckets are planned in reverse order within their size; the summed
// gradients equal one model's gradient of the whole batch for bucket sizes
// below, between and above the parameters' (overlap on and off); hooks
// start buckets during backward only when armed; accumulated batches,
// parameters only some replicas or none used, a replica that trained
// nothing; a parameter whose gradient comes after its bucket left is named.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <cstdint>

#include <condition_variable>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>

#include "common/error.h"
#include "worker/gradient_reducer.h"

namespace getps {
namespace {

// Sums bucket `id` over `replicas` members once all have started it.
class Group {
 public:
  explicit Group(int replicas) : replicas_(replicas) {}

  void Start(int member, std::size_t id, torch::Tensor buffer) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& b = buckets_[id];
    b.buffers[member] = buffer;
    order_[member].push_back(id);
    if (static_cast<int>(b.buffers.size()) < replicas_) return;
    auto sum = torch::zeros_like(buffer);
    for (auto& [m, t] : b.buffers) sum += t;
    for (auto& [m, t] : b.buffers) t.copy_(sum);
    b.done = true;
    cv_.notify_all();
  }

  void Wait(std::size_t id) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(20), [&] { return buckets_[id].done; }))
      throw Error(ErrorCode::kTimeout, "bucket " + std::to_string(id) + " never summed");
  }

  void NextStep() {
    std::lock_guard<std::mutex> lock(mu_);
    buckets_.clear();
  }

  std::vector<std::size_t> order(int member) {
    std::lock_guard<std::mutex> lock(mu_);
    return order_[member];
  }

 private:
  struct Bucket {
    std::map<int, torch::Tensor> buffers;
    bool done = false;
  };
  int replicas_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::size_t, Bucket> buckets_;
  std::map<int, std::vector<std::size_t>> order_;
};

class GroupMember : public BucketCollective {
 public:
  GroupMember(Group* group, int member) : group_(group), member_(member) {}
  void Start(std::size_t id, torch::Tensor buffer) override { group_->Start(member_, id, buffer); }
  void Progress() override {}
  void Wait(std::size_t id) override { group_->Wait(id); }

 private:
  Group* group_;
  int member_;
};

// One parameter, as a child module: registered after a, b and c, it is
// the model's last parameter (a module's own parameters come first).
struct Spare : torch::nn::Module {
  Spare() { weight = register_parameter("weight", torch::ones({3})); }
  torch::Tensor weight;
};

struct Net : torch::nn::Module {
  Net() {
    a = register_module("a", torch::nn::Linear(6, 16));
    b = register_module("b", torch::nn::Linear(16, 8));
    c = register_module("c", torch::nn::Linear(8, 1));
    spare = register_module("spare", std::make_shared<Spare>());
  }
  torch::Tensor forward(const torch::Tensor& x, bool use_spare = true) {
    auto y = c(torch::tanh(b(torch::tanh(a(x))))).sum();
    return use_spare ? y + spare->weight.sum() : y;
  }
  torch::nn::Linear a{nullptr}, b{nullptr}, c{nullptr};
  std::shared_ptr<Spare> spare;  // used only where a test says so
};

std::shared_ptr<Net> Copy(const Net& net) {
  auto copy = std::make_shared<Net>();
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < net.parameters().size(); ++i)
    copy->parameters()[i].copy_(net.parameters()[i]);
  return copy;
}

struct Replica {
  std::shared_ptr<Net> net;
  std::unique_ptr<GroupMember> collective;
  std::unique_ptr<GradientReducer> reducer;
};

Replica MakeReplica(const Net& base, Group* group, int member, const GradientReducerOptions& o) {
  Replica r{Copy(base), std::make_unique<GroupMember>(group, member), nullptr};
  std::vector<torch::Tensor> params;
  std::vector<std::string> names;
  for (const auto& item : r.net->named_parameters()) {
    params.push_back(item.value());
    names.push_back(item.key());
  }
  r.reducer = std::make_unique<GradientReducer>(params, names, o, r.collective.get());
  return r;
}

// One model's gradients of the loss over every batch.
std::vector<torch::Tensor> WholeBatchGradients(const Net& base,
                                               const std::vector<torch::Tensor>& batches,
                                               bool use_spare = true) {
  auto net = Copy(base);
  for (const auto& x : batches) net->forward(x, use_spare).backward();
  std::vector<torch::Tensor> grads;
  for (const auto& p : net->parameters()) grads.push_back(p.grad());
  return grads;
}

void ExpectGradients(const Net& net, const std::vector<torch::Tensor>& expected) {
  const auto params = net.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    SCOPED_TRACE("parameter " + std::to_string(i));
    ASSERT_EQ(params[i].grad().defined(), expected[i].defined());
    if (expected[i].defined()) {
      EXPECT_TRUE(torch::allclose(params[i].grad(), expected[i], 1e-5, 1e-6));
    }
  }
}

TEST(PlanBuckets, ReverseOrderWithinTheSizeALargeParameterAlone) {
  using Plan = std::vector<std::vector<std::size_t>>;
  EXPECT_EQ(PlanBuckets({4, 4, 4, 4}, 8), (Plan{{3, 2}, {1, 0}}));
  EXPECT_EQ(PlanBuckets({4, 100, 4}, 8), (Plan{{2}, {1}, {0}}));
  EXPECT_EQ(PlanBuckets({4, 4, 4}, 1000), (Plan{{2, 1, 0}}));
  EXPECT_EQ(PlanBuckets({}, 8), Plan{});
}

// Two replicas, each two batches of the step (the second armed), for
// several bucket sizes, equal one model trained on all four batches.
TEST(GradientReducer, TwoReplicasEqualOneModelForEveryBucketSize) {
  torch::manual_seed(3);
  Net base;
  std::vector<torch::Tensor> batches;
  for (int i = 0; i < 4; ++i) batches.push_back(torch::randn({5, 6}));
  const auto expected = WholeBatchGradients(base, batches);
  // 16x6 floats (384 bytes) is the largest tensor: 64 bytes cuts every one.
  for (const std::int64_t bytes : {std::int64_t{64}, std::int64_t{600}, std::int64_t{1 << 20}})
    for (const bool overlap : {true, false}) {
      SCOPED_TRACE("bucket bytes " + std::to_string(bytes) + (overlap ? " overlap" : ""));
      Group group(2);
      GradientReducerOptions o;
      o.bucket_bytes = bytes;
      o.overlap = overlap;
      std::vector<Replica> replicas;
      for (int m = 0; m < 2; ++m) replicas.push_back(MakeReplica(base, &group, m, o));
      std::vector<std::thread> threads;
      for (int m = 0; m < 2; ++m)
        threads.emplace_back([&, m] {
          auto& r = replicas[static_cast<std::size_t>(m)];
          r.net->forward(batches[static_cast<std::size_t>(2 * m)]).backward();
          r.reducer->ArmForFinalBackward();
          r.net->forward(batches[static_cast<std::size_t>(2 * m + 1)]).backward();
          r.reducer->Finish();
        });
      for (auto& t : threads) t.join();
      const std::size_t n = replicas[0].reducer->buckets();
      EXPECT_EQ(n, bytes == 64 ? 5u : bytes == 600 ? 2u : 1u);
      for (int m = 0; m < 2; ++m) {
        auto& r = replicas[static_cast<std::size_t>(m)];
        ExpectGradients(*r.net, expected);
        std::vector<std::size_t> in_order(n);
        std::iota(in_order.begin(), in_order.end(), 0);
        EXPECT_EQ(group.order(m), in_order);
        if (!overlap) {
          EXPECT_EQ(r.reducer->started_in_backward(), 0u);
        } else {  // every bucket, each as soon as its gradients were in
          EXPECT_EQ(r.reducer->started_in_backward(), n);
        }
      }
    }
}

// `spare` used by replica 0 only: both get its gradient; unused by both in
// the next steps: neither has one (and from the second its bucket no longer
// waits for it).
TEST(GradientReducer, ParametersSomeOrNoReplicasUsedAndAReplicaWithoutBatches) {
  torch::manual_seed(4);
  Net base;
  Group group(2);
  GradientReducerOptions o;
  o.bucket_bytes = 8;  // a bucket per parameter
  std::vector<Replica> replicas;
  for (int m = 0; m < 2; ++m) replicas.push_back(MakeReplica(base, &group, m, o));
  const auto x = torch::randn({5, 6});
  auto step = [&](bool use_spare) {
    group.NextStep();
    std::vector<std::thread> threads;
    std::exception_ptr failed[2];
    for (int m = 0; m < 2; ++m)
      threads.emplace_back([&, m] {
        try {
          auto& r = replicas[static_cast<std::size_t>(m)];
          r.net->zero_grad();
          if (m == 0) {  // replica 1 trains nothing this step
            r.reducer->ArmForFinalBackward();
            r.net->forward(x, use_spare).backward();
          }
          r.reducer->Finish();
        } catch (...) {
          failed[m] = std::current_exception();
        }
      });
    for (auto& t : threads) t.join();
    for (auto& e : failed)
      if (e) std::rethrow_exception(e);
  };
  step(true);
  for (auto& r : replicas) ExpectGradients(*r.net, WholeBatchGradients(base, {x}));
  step(false);
  const auto expected = WholeBatchGradients(base, {x}, /*use_spare=*/false);
  ASSERT_FALSE(expected.back().defined());  // spare, registered last
  for (auto& r : replicas) ExpectGradients(*r.net, expected);
  // Used last step, spare's bucket (the first: reverse order) waited for it
  // and held every later one back until Finish; unused last step, it leaves
  // when armed and the rest follow during backward.
  EXPECT_EQ(replicas[0].reducer->started_in_backward(), 0u);
  step(false);
  for (auto& r : replicas) ExpectGradients(*r.net, expected);
  EXPECT_EQ(replicas[0].reducer->started_in_backward(), replicas[0].reducer->buckets());
  // Now spare gets a gradient after its bucket left: named, not lost silently.
  try {
    step(true);
    FAIL() << "a late gradient passed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInternal);
    EXPECT_NE(std::string(e.what()).find("parameter spare.weight got a gradient after its bucket"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace getps
