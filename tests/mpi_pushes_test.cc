// MpiPushes (coordinator/mpi_pushes.h) between two real ranks (ctest runs
// getps_mpi_tests under `mpirun -np 2`): rank 0 is the server, rank 1 the
// replica. A push naming MPI data comes back only once its bytes are in,
// with them as frames and its body kept; the weights answering it go out
// over MPI and the reply names them; a stale push is drained; a push whose
// bytes never come expires; a peer without MPI pushes is answered as is; a
// generation's end drains the pushes still receiving and names their peers.
#include "coordinator/mpi_pushes.h"

#include <gtest/gtest.h>
#include <mpi.h>
#include <cstdint>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace getps {
namespace {

using std::chrono::milliseconds;

TensorFrame Floats(std::string name, std::vector<float> values) {
  return FloatFrame(std::move(name), std::make_shared<const std::vector<float>>(std::move(values)));
}

const std::vector<TensorFrame>& Gradients() {
  static const std::vector<TensorFrame> g{Floats("w", {1, 2, 3}), Floats("b", {4})};
  return g;
}

// The control message replica 1 sends for (generation, step): its bytes follow over MPI.
Message PushOf(std::uint32_t generation, std::uint64_t step) {
  ShardPush push{1, 0.25, 0, std::nullopt, {}, std::nullopt};
  push.mpi = DescribeMpiData(1, MpiDataTag(generation, step), Gradients());
  return Encode(std::move(push), {generation, step});
}

void SendGradients(const MpiDataPlane& plane, std::uint32_t generation, std::uint64_t step) {
  MpiTransfers sends(plane.comm);
  sends.Send(0, MpiDataTag(generation, step), Gradients());
  sends.Wait(milliseconds(20000), "the gradients");
}

// Ready() until it returns something (bounded).
Replies AwaitReady(MpiPushes& pushes) {
  for (int i = 0; i < 20000; ++i) {
    auto ready = pushes.Ready();
    if (!ready.empty()) return ready;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return {};
}

TEST(MpiPushes, PushWaitsForItsBytesAndWeightsGoBackOverMpi) {
  const MpiDataPlane plane = OpenMpiDataPlane();
  MpiPushes pushes(plane, milliseconds(20000));
  if (plane.rank == 0) {
    EXPECT_TRUE(MpiPushes::NamesMpiData(PushOf(2, 7)));
    pushes.Accept("replica-1", PushOf(2, 7));
    EXPECT_TRUE(pushes.busy());
    EXPECT_TRUE(pushes.Ready().empty());  // rank 1 sends only after the barrier
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (plane.rank == 1) {
    SendGradients(plane, 2, 7);
    MpiReceipt weights =
        ReceiveMpiData(plane.comm, DescribeMpiData(0, MpiDataTag(2, 0), {Floats("w", {0, 0, 0})}));
    weights.transfers.Wait(milliseconds(20000), "the weights");
    EXPECT_EQ(static_cast<const float*>(weights.frames[0].data)[1], -2.0f);
  } else {
    const Replies ready = AwaitReady(pushes);
    ASSERT_EQ(ready.size(), 1u);
    EXPECT_EQ(ready[0].peer, "replica-1");
    EXPECT_FALSE(MpiPushes::NamesMpiData(ready[0].message));
    EXPECT_EQ(ready[0].message.step, 7u);
    const auto push = Decode<ShardPush>(ready[0].message);
    EXPECT_EQ(push.replica, 1);
    EXPECT_EQ(push.lr, 0.25);
    ASSERT_EQ(push.tensors.size(), 2u);
    EXPECT_EQ(push.tensors[0].name, "w");
    EXPECT_EQ(static_cast<const float*>(push.tensors[0].data)[2], 3.0f);
    EXPECT_EQ(static_cast<const float*>(push.tensors[1].data)[0], 4.0f);
    // The answer: weights over MPI, the reply naming them.
    const Message reply = Encode(
        Parameters{std::nullopt, std::nullopt, {Floats("w", {-1, -2, -3})}, std::nullopt}, {2, 8});
    const Message out = pushes.Outgoing("replica-1", reply);
    const auto named = Decode<Parameters>(out);
    EXPECT_TRUE(named.tensors.empty());
    ASSERT_TRUE(named.mpi);
    EXPECT_EQ(named.mpi->rank, 0);
    EXPECT_EQ(named.mpi->tag, MpiDataTag(2, 0));  // the first answer to that peer
    ASSERT_EQ(named.mpi->tensors.size(), 1u);
    EXPECT_EQ(named.mpi->tensors[0].elements, 3);
    // Another peer pushed no MPI data: its reply is left alone.
    EXPECT_EQ(pushes.Outgoing("replica-2", reply).tensors.size(), 1u);
    for (int i = 0; i < 20000 && pushes.busy(); ++i) {  // the sends complete
      pushes.Ready();
      std::this_thread::sleep_for(milliseconds(1));
    }
    EXPECT_FALSE(pushes.busy());
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

TEST(MpiPushes, StalePushIsDrainedAndSilentOneExpires) {
  const MpiDataPlane plane = OpenMpiDataPlane();
  if (plane.rank == 0) {
    MpiPushes pushes(plane, milliseconds(300));
    pushes.Drain(PushOf(3, 1));
    pushes.Accept("replica-1", PushOf(3, 2));  // never sent
    std::this_thread::sleep_for(milliseconds(400));
    const auto expired = pushes.Expired();
    ASSERT_EQ(expired.size(), 1u);
    EXPECT_EQ(expired[0], "replica-1");
    EXPECT_TRUE(pushes.Ready().empty());
    // The drain's bytes came (rank 1's sends completed) or it expired too.
    EXPECT_FALSE(pushes.busy());
  } else {
    SendGradients(plane, 3, 1);  // rank 0 drains its bytes
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

// A generation ends with pushes still receiving: each becomes a drain and
// its peer is named, for the shard to answer it (stale) instead of leaving
// it waiting.
TEST(MpiPushes, DrainAllNamesThePeersStillWaiting) {
  const MpiDataPlane plane = OpenMpiDataPlane();
  if (plane.rank == 0) {
    MpiPushes pushes(plane, milliseconds(300));
    pushes.Accept("replica-1", PushOf(4, 1));  // never sent
    pushes.Accept("replica-2", PushOf(4, 2));
    EXPECT_EQ(pushes.DrainAll(), (std::vector<std::string>{"replica-1", "replica-2"}));
    EXPECT_TRUE(pushes.busy());  // the drains
    EXPECT_TRUE(pushes.Ready().empty());
    EXPECT_TRUE(pushes.Expired().empty());  // drains are not pushes to refuse
    EXPECT_TRUE(pushes.DrainAll().empty());
    std::this_thread::sleep_for(milliseconds(400));
    EXPECT_TRUE(pushes.Ready().empty());  // past their deadline: dropped (lingering)
    EXPECT_FALSE(pushes.busy());
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

}  // namespace
}  // namespace getps
