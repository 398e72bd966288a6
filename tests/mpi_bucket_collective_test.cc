// MpiBucketCollective (worker/mpi_bucket_collective.h) between two real MPI
// ranks (in getps_mpi_tests, under `mpirun -np 2`): a bucket one rank never
// starts times out on the other with Error(kTimeout) naming it, and
// completes once the late rank starts it; a GradientReducer over it, its
// buckets started during backward, gives both ranks one model's gradient of
// both ranks' batches.
#include <gtest/gtest.h>
#include <mpi.h>
#include <torch/torch.h>

#include "common/error.h"
#include "worker/gradient_reducer.h"
#include "worker/mpi_bucket_collective.h"

namespace getps {
namespace {

int WorldRank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

class MpiBucketCollectiveTest : public ::testing::Test {
 protected:
  void SetUp() override { MPI_Comm_dup(MPI_COMM_WORLD, &comm_); }
  void TearDown() override { MPI_Comm_free(&comm_); }
  MPI_Comm comm_ = MPI_COMM_NULL;
};

TEST_F(MpiBucketCollectiveTest, AMissingPeerTimesOutAndALateOneCompletes) {
  MpiBucketCollective collective({comm_, std::chrono::milliseconds(300)});
  auto buffer = torch::full({4}, static_cast<float>(WorldRank() + 1));
  if (WorldRank() == 0) {
    collective.Start(7, buffer);
    try {
      collective.Wait(7);
      ADD_FAILURE() << "a bucket rank 1 never started was summed";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kTimeout);
      EXPECT_NE(std::string(e.what()).find("bucket 7 took over"), std::string::npos) << e.what();
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (WorldRank() == 1) collective.Start(7, buffer);
  collective.Wait(7);
  EXPECT_TRUE(torch::equal(buffer, torch::full({4}, 3.0f)));
}

TEST_F(MpiBucketCollectiveTest, AReducerOverMpiEqualsOneModelOfBothBatches) {
  torch::manual_seed(11);  // the same weights and batches on both ranks
  torch::nn::Sequential net(torch::nn::Linear(5, 32), torch::nn::Tanh(), torch::nn::Linear(32, 4));
  auto twin =
      torch::nn::Sequential(torch::nn::Linear(5, 32), torch::nn::Tanh(), torch::nn::Linear(32, 4));
  {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < net->parameters().size(); ++i)
      twin->parameters()[i].copy_(net->parameters()[i]);
  }
  const std::vector<torch::Tensor> batches = {torch::randn({3, 5}), torch::randn({3, 5})};
  for (const auto& x : batches) twin->forward(x).pow(2).sum().backward();

  MpiBucketCollective collective({comm_, std::chrono::milliseconds(30000)});
  std::vector<torch::Tensor> params;
  std::vector<std::string> names;
  for (const auto& item : net->named_parameters()) {
    params.push_back(item.value());
    names.push_back(item.key());
  }
  GradientReducerOptions o;
  o.bucket_bytes = 256;  // below either weight's bytes (640, 512)
  GradientReducer reducer(params, names, o, &collective);
  reducer.ArmForFinalBackward();
  net->forward(batches[static_cast<std::size_t>(WorldRank())]).pow(2).sum().backward();
  reducer.Finish();
  EXPECT_EQ(reducer.buckets(), 4u);              // {bias 2}, {weight 2}, {bias 0}, {weight 0}
  EXPECT_EQ(reducer.started_in_backward(), 4u);  // each as soon as its gradient was in
  for (std::size_t i = 0; i < params.size(); ++i)
    EXPECT_TRUE(torch::allclose(params[i].grad(), twin->parameters()[i].grad(), 1e-5, 1e-6))
        << names[i];
}

}  // namespace
}  // namespace getps
