#include "worker/nccl_bucket_collective.h"

#include <c10/cuda/CUDAGuard.h>

#include <string>
#include <utility>

#include "common/error.h"

namespace getps {
NcclBucketCollective::NcclBucketCollective(std::unique_ptr<NcclCommunicator> comm, int device)
    : comm_(std::move(comm)),
      stream_(c10::cuda::getStreamFromPool(/*isHighPriority=*/true,
                                           static_cast<c10::DeviceIndex>(device))) {}

NcclBucketCollective::~NcclBucketCollective() {
  if (!in_flight_.empty()) comm_->Abort();  // no finalize waiting for peers that will not come
  for (auto& [id, f] : in_flight_) spare_.push_back(f.done);
  for (auto event : spare_) cudaEventDestroy(event);
}

cudaEvent_t NcclBucketCollective::Event() {
  if (!spare_.empty()) {
    const cudaEvent_t event = spare_.back();
    spare_.pop_back();
    return event;
  }
  cudaEvent_t event = nullptr;
  CheckCuda(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), "cudaEventCreate");
  return event;
}

void NcclBucketCollective::Start(std::size_t id, torch::Tensor buffer) {
  if (in_flight_.count(id))
    throw Error(ErrorCode::kInternal, "gradient bucket " + std::to_string(id) + " started twice");
  const c10::cuda::CUDAGuard on_device(stream_.device_index());
  // The bucket's gradients were copied in on the compute stream.
  const cudaEvent_t filled = Event();
  const cudaStream_t compute = c10::cuda::getCurrentCUDAStream(stream_.device_index()).stream();
  CheckCuda(cudaEventRecord(filled, compute), "cudaEventRecord");
  CheckCuda(cudaStreamWaitEvent(stream_.stream(), filled, 0), "cudaStreamWaitEvent");
  spare_.push_back(filled);  // reusable once recorded into the wait
  comm_->AllreduceSum(buffer, stream_.stream());
  const cudaEvent_t done = Event();
  CheckCuda(cudaEventRecord(done, stream_.stream()), "cudaEventRecord");
  in_flight_[id] = {done, buffer};
}

void NcclBucketCollective::Wait(std::size_t id) {
  const auto it = in_flight_.find(id);
  if (it == in_flight_.end())
    throw Error(ErrorCode::kInternal, "gradient bucket " + std::to_string(id) + " was not started");
  const c10::cuda::CUDAGuard on_device(stream_.device_index());
  comm_->Wait(it->second.done, "the gradient allreduce of bucket " + std::to_string(id));
  spare_.push_back(it->second.done);
  in_flight_.erase(it);
}

}  // namespace getps
