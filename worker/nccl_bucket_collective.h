// NcclBucketCollective: the BucketCollective (bucket_collective.h) of --sync
// nccl: each bucket's sum is an ncclAllReduce on a dedicated CUDA stream,
// ordered after the compute stream's work so far (the gradients copied
// into the bucket), so that communication runs beside the rest of the
// backward pass; Wait polls the bucket's completion event, bounded by the
// communicator's timeout (nccl_communicator.h).
//
// Ownership: owns the communicator and its stream's events, and holds each
// started buffer until its Wait; destroyed with sums in flight (an error
// unwound the step), it aborts the communicator first. Built only with
// NCCL (GETPS_NCCL).
// Thread safety: one thread (see bucket_collective.h).
#pragma once

#include <c10/cuda/CUDAStream.h>

#include <map>
#include <memory>

#include "worker/bucket_collective.h"
#include "worker/nccl_communicator.h"

namespace getps {

class NcclBucketCollective : public BucketCollective {
 public:
  NcclBucketCollective(std::unique_ptr<NcclCommunicator> comm, int device);
  ~NcclBucketCollective() override;

  void Start(std::size_t id, torch::Tensor buffer) override;
  void Progress() override {}  // NCCL progresses on the GPU
  void Wait(std::size_t id) override;

 private:
  cudaEvent_t Event();

  std::unique_ptr<NcclCommunicator> comm_;
  c10::cuda::CUDAStream stream_;
  struct InFlight {
    cudaEvent_t done = nullptr;
    torch::Tensor buffer;  // kept alive while NCCL may write into it
  };
  std::map<std::size_t, InFlight> in_flight_;
  std::vector<cudaEvent_t> spare_;  // events to reuse
};

}  // namespace getps
