// The MPI data plane's transfers (protocol/mpi_data_plane.h) between two
// real ranks (ctest runs getps_mpi_tests under `mpirun -np 2`): frames go
// from rank 1 into rank 0's buffers byte for byte, tags keep two exchanges
// apart, a tensor over kMpiChunkBytes goes as several messages, a message
// of the wrong size is an error, a receive nobody sends to times out
// naming what it waited for and is cancelled, and a description names dtypes and element counts.
#include "protocol/mpi_data_plane.h"

#include <gtest/gtest.h>
#include <mpi.h>
#include <cstdint>

#include <cstring>
#include <memory>
#include <numeric>
#include <vector>

#include "common/error.h"

namespace getps {
namespace {

using std::chrono::milliseconds;

TensorFrame Floats(std::string name, std::vector<float> values) {
  return FloatFrame(std::move(name), std::make_shared<const std::vector<float>>(std::move(values)));
}

TEST(MpiDataPlane, TagsSeparateGenerationsAndSteps) {
  EXPECT_EQ(MpiDataTag(0, 0), 0);
  EXPECT_EQ(MpiDataTag(0, 1), 1 << 12);
  EXPECT_EQ(MpiDataTag(1, 0), 1 << 24);
  EXPECT_NE(MpiDataTag(3, 7), MpiDataTag(3, 8));
  EXPECT_NE(MpiDataTag(3, 7), MpiDataTag(4, 7));
  EXPECT_LT(MpiDataTag(63, 4095) + kMpiMessagesPerExchange - 1, 1 << 30);
  EXPECT_TRUE(MpiTagsSuffice());  // OpenMPI's MPI_TAG_UB is 2^31 - 1
}

TEST(MpiDataPlane, DescribesFp32AndBf16Only) {
  auto f = Floats("w", {1, 2, 3});
  const MpiData d = DescribeMpiData(1, 4096, {f});
  ASSERT_EQ(d.tensors.size(), 1u);
  EXPECT_EQ(d.rank, 1);
  EXPECT_EQ(d.tag, 4096);
  EXPECT_EQ(d.tensors[0].name, "w");
  EXPECT_EQ(d.tensors[0].elements, 3);
  EXPECT_EQ(MpiBytes(d.tensors[0]), 12u);
  f.dtype = TensorDtype::kBFloat16;  // 12 bytes are 6 bf16 elements
  EXPECT_EQ(DescribeMpiData(1, 0, {f}).tensors[0].elements, 6);
  f.dtype = TensorDtype::kInt64;
  EXPECT_THROW(DescribeMpiData(1, 0, {f}), Error);
  EXPECT_THROW(MpiBytes({"x", WireDtype::kFp32, -1}), Error);
}

// Rank 1 sends two exchanges' frames (the later one first); rank 0
// receives each by its tag into fresh frames.
TEST(MpiDataPlane, FramesArriveByTag) {
  const MpiDataPlane plane = OpenMpiDataPlane();
  ASSERT_TRUE(plane.open());
  std::vector<float> big(100000);
  std::iota(big.begin(), big.end(), 0.5f);  // beyond the eager limit: a rendezvous
  const std::vector<TensorFrame> first{Floats("a", {1, 2, 3}), Floats("b", big)};
  const std::vector<TensorFrame> second{Floats("a", {7, 8, 9}), Floats("b", {})};
  if (plane.rank == 1) {
    MpiTransfers sends(plane.comm);
    sends.Send(0, MpiDataTag(0, 2), second);
    sends.Send(0, MpiDataTag(0, 1), first);
    sends.Wait(milliseconds(20000), "the sends");
    EXPECT_TRUE(sends.empty());
  } else {
    const MpiData later = DescribeMpiData(1, MpiDataTag(0, 2), second);
    const MpiData earlier = DescribeMpiData(1, MpiDataTag(0, 1), first);
    MpiReceipt one = ReceiveMpiData(plane.comm, earlier);
    MpiReceipt two = ReceiveMpiData(plane.comm, later);
    one.transfers.Wait(milliseconds(20000), "the first exchange");
    two.transfers.Wait(milliseconds(20000), "the second exchange");
    ASSERT_EQ(one.frames.size(), 2u);
    EXPECT_EQ(one.frames[0].name, "a");
    EXPECT_EQ(static_cast<const float*>(one.frames[0].data)[2], 3.0f);
    ASSERT_EQ(one.frames[1].bytes, big.size() * sizeof(float));
    EXPECT_EQ(std::memcmp(one.frames[1].data, big.data(), one.frames[1].bytes), 0);
    EXPECT_EQ(one.frames[1].shape, std::vector<std::int64_t>{100000});
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(one.frames[1].data) % 64, 0u);
    EXPECT_EQ(static_cast<const float*>(two.frames[0].data)[0], 7.0f);
    EXPECT_EQ(two.frames[1].bytes, 0u);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

// A tensor larger than kMpiChunkBytes travels as several messages that
// land back to back, and each counts as progress.
TEST(MpiDataPlane, ALargeTensorTravelsInSeveralMessages) {
  const MpiDataPlane plane = OpenMpiDataPlane();
  const std::size_t n = kMpiChunkBytes / sizeof(float) + 1000;  // two messages
  std::vector<float> big(n);
  std::iota(big.begin(), big.end(), 0.0f);
  const std::uint64_t before = MpiMessagesCompleted();
  if (plane.rank == 1) {
    MpiTransfers sends(plane.comm);
    sends.Send(0, MpiDataTag(1, 1), {Floats("big", big)});
    sends.Wait(milliseconds(60000), "the sends");
  } else {
    MpiReceipt got =
        ReceiveMpiData(plane.comm, DescribeMpiData(1, MpiDataTag(1, 1), {Floats("big", big)}));
    got.transfers.Wait(milliseconds(60000), "the large tensor");
    ASSERT_EQ(got.frames[0].bytes, n * sizeof(float));
    EXPECT_EQ(std::memcmp(got.frames[0].data, big.data(), got.frames[0].bytes), 0);
  }
  EXPECT_EQ(MpiMessagesCompleted() - before, 2u);
  MPI_Barrier(MPI_COMM_WORLD);
}

// The ends disagree on a message's size: the receive fails naming both
// sizes instead of passing a short buffer off as the tensor.
TEST(MpiDataPlane, AShortMessageIsAnError) {
  const MpiDataPlane plane = OpenMpiDataPlane();
  if (plane.rank == 1) {
    MpiTransfers sends(plane.comm);
    sends.Send(0, MpiDataTag(6, 1), {Floats("w", {1, 2})});
    sends.Wait(milliseconds(20000), "the send");
  } else {
    MpiReceipt got =
        ReceiveMpiData(plane.comm, DescribeMpiData(1, MpiDataTag(6, 1), {Floats("w", {0, 0, 0})}));
    try {
      got.transfers.Wait(milliseconds(20000), "the weights");
      ADD_FAILURE() << "a short message passed";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kIOError);
      EXPECT_NE(
          std::string(e.what()).find("a message of 8 bytes from rank 1 where 12 were expected"),
          std::string::npos)
          << e.what();
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

// Nobody sends with this tag: the wait ends, naming what it waited for,
// and the abandoned receive is cancelled (a later exchange is unaffected).
TEST(MpiDataPlane, WaitIsBounded) {
  const MpiDataPlane plane = OpenMpiDataPlane();
  if (plane.rank == 0) {
    {
      MpiReceipt never =
          ReceiveMpiData(plane.comm, DescribeMpiData(1, MpiDataTag(5, 5), {Floats("w", {0})}));
      try {
        never.transfers.Wait(milliseconds(300), "the weights of shard 9");
        ADD_FAILURE() << "no timeout";
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::kTimeout);
        EXPECT_NE(std::string(e.what()).find("the weights of shard 9"), std::string::npos);
      }
    }  // cancelled here
    MpiReceipt next =
        ReceiveMpiData(plane.comm, DescribeMpiData(1, MpiDataTag(5, 6), {Floats("w", {0})}));
    next.transfers.Wait(milliseconds(20000), "the next exchange");
    EXPECT_EQ(static_cast<const float*>(next.frames[0].data)[0], 42.0f);
  } else {
    MpiTransfers sends(plane.comm);
    sends.Send(0, MpiDataTag(5, 6), {Floats("w", {42})});
    sends.Wait(milliseconds(20000), "the send");
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

}  // namespace
}  // namespace getps
