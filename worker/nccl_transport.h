// NcclTransport: the Transport (transport.h) of a --sync nccl replica, ranks
// 1..N of `mpirun -np N+1 getps train --sync nccl --device cuda`, one GPU
// each. It is MpiTransport (weights broadcast, scalars, gathers, commits
// and the coordinator's shards over MPI and the control channel) with the
// gradient buckets on the GPU summed by NCCL (NcclBucketCollective), on a
// stream of their own beside the backward pass, in fp32 or bf16 (--wire).
// Rank 0 of the replicas makes the NCCL id and MPI broadcasts it. Not
// elastic: a lost replica ends the job (the NCCL waits are bounded), for
// `getps launch` to restart it from the last commit.
//
// Built only with NCCL (GETPS_NCCL). Ownership and errors: MpiTransport's,
// plus NcclCommunicator's error contract.
#pragma once

#include "worker/mpi_transport.h"

namespace getps {

class NcclTransport : public MpiTransport {
 public:
  // `wire`: the buckets' dtype (float32 or bfloat16).
  NcclTransport(const MpiTransportOptions& options, torch::Dtype wire)
      : MpiTransport(options), wire_(wire) {}

 protected:
  std::unique_ptr<BucketCollective> MakeCollective(torch::nn::Module& module,
                                                   GradientReducerOptions* buckets) override;

 private:
  torch::Dtype wire_;
};

}  // namespace getps
