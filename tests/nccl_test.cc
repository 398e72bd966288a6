// --sync nccl's parts on a real GPU (ctest label `gpu`; every test skips
// with a message where torch::cuda::is_available() is false): a one-rank
// NcclCommunicator's sum is its input; a two-rank communicator the second
// rank never joins times out (Error(kTimeout)) instead of hanging; a
// GradientReducer over NcclBucketCollective on the GPU gives the local
// gradients in fp32 exactly and in bf16 within bf16's rounding.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <chrono>

#include "common/error.h"
#include "worker/gradient_reducer.h"
#include "worker/nccl_bucket_collective.h"
#include "worker/nccl_communicator.h"

namespace getps {
namespace {

#define SKIP_WITHOUT_GPU() \
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no GPU here: --sync nccl's test needs one"

TEST(NcclCommunicator, OneRanksSumIsItsInput) {
  SKIP_WITHOUT_GPU();
  NcclCommunicator comm(NewNcclId(), {0, 1, 0, std::chrono::seconds(60)});
  auto x = torch::arange(1000, torch::TensorOptions().dtype(torch::kFloat32).device(torch::kCUDA));
  const auto expected = x.clone();
  cudaStream_t stream = nullptr;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  cudaEvent_t done = nullptr;
  ASSERT_EQ(cudaEventCreate(&done), cudaSuccess);
  torch::cuda::synchronize();
  comm.AllreduceSum(x, stream);
  ASSERT_EQ(cudaEventRecord(done, stream), cudaSuccess);
  comm.Wait(done, "a sum");
  EXPECT_TRUE(torch::equal(x, expected));
  cudaEventDestroy(done);
  cudaStreamDestroy(stream);
}

TEST(NcclCommunicator, AReplicaThatNeverJoinsTimesOut) {
  SKIP_WITHOUT_GPU();
  const auto t0 = std::chrono::steady_clock::now();
  try {
    NcclCommunicator comm(NewNcclId(), {0, 2, 0, std::chrono::seconds(3)});
    FAIL() << "a communicator of 2 formed with 1 rank";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kTimeout) << e.what();
  }
  std::printf("an absent peer ended the join after %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

TEST(NcclBucketCollective, AReducerOnTheGpuGivesTheLocalGradients) {
  SKIP_WITHOUT_GPU();
  for (const auto wire : {torch::kFloat32, torch::kBFloat16}) {
    torch::manual_seed(5);
    torch::nn::Sequential net(torch::nn::Linear(64, 256), torch::nn::ReLU(),
                              torch::nn::Linear(256, 8));
    net->to(torch::kCUDA);
    const auto x = torch::randn({32, 64}, torch::kCUDA);
    net->forward(x).pow(2).sum().backward();
    std::vector<torch::Tensor> expected, params;
    std::vector<std::string> names;
    for (const auto& item : net->named_parameters()) {
      expected.push_back(item.value().grad().clone());
      item.value().mutable_grad() = torch::Tensor();
      params.push_back(item.value());
      names.push_back(item.key());
    }
    NcclBucketCollective collective(
        std::make_unique<NcclCommunicator>(
            NewNcclId(), NcclCommunicatorOptions{0, 1, 0, std::chrono::seconds(60)}),
        0);
    GradientReducerOptions o;
    o.bucket_bytes = 4096;  // below the first weight's 64 KiB
    o.wire = wire;
    o.device = torch::Device(torch::kCUDA, 0);
    GradientReducer reducer(params, names, o, &collective);
    reducer.ArmForFinalBackward();
    net->forward(x).pow(2).sum().backward();
    reducer.Finish();
    EXPECT_EQ(reducer.started_in_backward(), reducer.buckets());
    const double tolerance = wire == torch::kFloat32 ? 0 : 1e-2;
    for (std::size_t i = 0; i < params.size(); ++i)
      EXPECT_TRUE(torch::allclose(params[i].grad(), expected[i], tolerance, tolerance)) << names[i];
  }
}

}  // namespace
}  // namespace getps
