#include "worker/nccl_communicator.h"

#include <cstring>
#include <functional>
#include <thread>

#include "common/error.h"

namespace getps {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

void CheckCuda(cudaError_t rc, const std::string& what) {
  if (rc != cudaSuccess)
    throw Error(ErrorCode::kIOError, "CUDA: " + what + ": " + cudaGetErrorString(rc));
}

std::string NewNcclId() {
  ncclUniqueId id;
  const ncclResult_t rc = ncclGetUniqueId(&id);
  if (rc != ncclSuccess)
    throw Error(ErrorCode::kIOError,
                std::string("NCCL: ncclGetUniqueId: ") + ncclGetErrorString(rc));
  return std::string(id.internal, sizeof id.internal);
}

NcclCommunicator::NcclCommunicator(const std::string& id, const NcclCommunicatorOptions& options)
    : options_(options) {
  ncclUniqueId unique;
  if (id.size() != sizeof unique.internal)
    throw Error(ErrorCode::kInternal, "an NCCL id of " + std::to_string(id.size()) + " bytes");
  std::memcpy(unique.internal, id.data(), sizeof unique.internal);
  CheckCuda(cudaSetDevice(options_.device),
            "cudaSetDevice(" + std::to_string(options_.device) + ")");
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;  // every call returns at once; AwaitReady bounds the wait
  const ncclResult_t rc =
      ncclCommInitRankConfig(&comm_, options_.size, unique, options_.rank, &config);
  if (rc != ncclSuccess && rc != ncclInProgress) {
    if (comm_ != nullptr) Abort();
    throw Error(ErrorCode::kIOError,
                std::string("NCCL: ncclCommInitRankConfig: ") + ncclGetErrorString(rc));
  }
  AwaitReady("joining the communicator of " + std::to_string(options_.size) + " replicas");
}

NcclCommunicator::~NcclCommunicator() {
  if (comm_ == nullptr || aborted_) return;
  // A clean end: finalize (bounded), then destroy; abort when that fails.
  try {
    Check(ncclCommFinalize(comm_), "ncclCommFinalize");
    AwaitReady("finalizing the communicator");
    ncclCommDestroy(comm_);
  } catch (const Error&) {
    Abort();
  }
}

void NcclCommunicator::Abort() {
  if (comm_ == nullptr || aborted_) return;
  aborted_ = true;
  ncclCommAbort(comm_);
}

void NcclCommunicator::Check(ncclResult_t rc, const std::string& what) {
  if (rc == ncclSuccess || rc == ncclInProgress) return;
  Abort();
  throw Error(ErrorCode::kIOError, "NCCL: " + what + ": " + ncclGetErrorString(rc));
}

// Polls until `done` (given the communicator's asynchronous state) says
// so; an NCCL error or the timeout aborts the communicator and throws.
void NcclCommunicator::PollUntil(const std::string& what,
                                 const std::function<bool(ncclResult_t)>& done) {
  const auto deadline = Clock::now() + options_.timeout;
  while (true) {
    ncclResult_t state = ncclSuccess;
    Check(ncclCommGetAsyncError(comm_, &state), "ncclCommGetAsyncError");
    if (state != ncclSuccess && state != ncclInProgress) Check(state, what);
    if (done(state)) return;
    if (Clock::now() > deadline) {
      Abort();
      throw Error(ErrorCode::kTimeout, "NCCL: " + what + " took over " +
                                           std::to_string(options_.timeout.count() / 1000) +
                                           " s (a replica is hung or lost)");
    }
    std::this_thread::yield();
  }
}

// Until the communicator leaves ncclInProgress.
void NcclCommunicator::AwaitReady(const std::string& what) {
  PollUntil(what, [](ncclResult_t state) { return state == ncclSuccess; });
}

void NcclCommunicator::AllreduceSum(torch::Tensor buffer, cudaStream_t stream) {
  if (aborted_) throw Error(ErrorCode::kIOError, "NCCL: the communicator was aborted");
  if (!buffer.is_cuda() || !buffer.is_contiguous())
    throw Error(ErrorCode::kInternal, "an NCCL buffer must be a contiguous CUDA tensor");
  ncclDataType_t type = ncclFloat32;
  if (buffer.scalar_type() == torch::kBFloat16)
    type = ncclBfloat16;
  else if (buffer.scalar_type() != torch::kFloat32)
    throw Error(ErrorCode::kInternal, "an NCCL buffer must be float32 or bfloat16");
  Check(ncclAllReduce(buffer.data_ptr(), buffer.data_ptr(),
                      static_cast<std::size_t>(buffer.numel()), type, ncclSum, comm_, stream),
        "ncclAllReduce");
  AwaitReady("enqueueing an allreduce");
}

void NcclCommunicator::Wait(cudaEvent_t done, const std::string& what) {
  if (aborted_) throw Error(ErrorCode::kIOError, "NCCL: the communicator was aborted");
  PollUntil(what, [&](ncclResult_t) {
    const cudaError_t rc = cudaEventQuery(done);
    if (rc == cudaSuccess) return true;
    if (rc != cudaErrorNotReady) {
      Abort();
      CheckCuda(rc, what);
    }
    return false;
  });
}

}  // namespace getps
