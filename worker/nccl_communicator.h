// NcclCommunicator: one NCCL communicator among the replicas of a --sync
// nccl run (one GPU each), with every blocking NCCL call bounded: the
// communicator is made with ncclCommInitRankConfig in non-blocking mode and
// polled (ncclCommGetAsyncError) up to the timeout; an operation is
// enqueued on a CUDA stream and its completion polled the same way. A
// timeout or a failure aborts the communicator (ncclCommAbort), so that a
// lost or hung peer never hangs the replica.
//
// Built only with NCCL (GETPS_NCCL: a CUDA LibTorch, cmake/GetpsNccl.cmake).
// Error contract: Error(kTimeout) when a wait passes the timeout,
// Error(kIOError) naming NCCL's or CUDA's error otherwise; after either the
// communicator is aborted and every later call throws Error(kIOError).
// Thread safety: one thread at a time (the training thread and autograd's
// device thread take turns; see gradient_reducer.h).
#pragma once

#include <cuda_runtime_api.h>
#include <nccl.h>
#include <torch/types.h>

#include <chrono>
#include <functional>
#include <string>

namespace getps {

// Throws Error(kIOError) "CUDA: <what>: <CUDA's words>" unless `rc` is
// cudaSuccess.
void CheckCuda(cudaError_t rc, const std::string& what);

// A fresh id (ncclGetUniqueId) for rank 0 to hand to the others, as bytes.
std::string NewNcclId();

struct NcclCommunicatorOptions {
  int rank = 0, size = 1;
  int device = 0;  // the CUDA device of this replica
  std::chrono::milliseconds timeout{300000};
};

class NcclCommunicator {
 public:
  // `id`: NewNcclId()'s bytes, the same on every rank. Blocks (bounded)
  // until every rank has joined.
  NcclCommunicator(const std::string& id, const NcclCommunicatorOptions& options);
  ~NcclCommunicator();
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  // Enqueues the in-place sum of `buffer` (contiguous float32 or bfloat16,
  // on this replica's device) on `stream`.
  void AllreduceSum(torch::Tensor buffer, cudaStream_t stream);

  // Until `done` (recorded on the stream after an operation) has happened,
  // or the error contract's timeout or failure.
  void Wait(cudaEvent_t done, const std::string& what);

  // Aborts the communicator (idempotent): a peer was lost, or a new
  // generation needs a new one.
  void Abort();

 private:
  void Check(ncclResult_t rc, const std::string& what);
  void AwaitReady(const std::string& what);
  void PollUntil(const std::string& what, const std::function<bool(ncclResult_t)>& done);

  NcclCommunicatorOptions options_;
  ncclComm_t comm_ = nullptr;
  bool aborted_ = false;
};

}  // namespace getps
