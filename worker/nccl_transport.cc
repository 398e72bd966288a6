#include "worker/nccl_transport.h"

#include <torch/torch.h>

#include "common/error.h"
#include "worker/nccl_bucket_collective.h"

namespace getps {

std::unique_ptr<BucketCollective> NcclTransport::MakeCollective(torch::nn::Module& module,
                                                                GradientReducerOptions* buckets) {
  const auto params = module.parameters();
  if (params.empty() || !params.front().is_cuda())
    throw Error(ErrorCode::kInvalidArgument,
                "--sync nccl trains on GPUs: run with --device cuda (a GPU per replica)");
  const int device = params.front().device().index();
  const std::string id = BroadcastText(replica() == 0 ? NewNcclId() : std::string());
  auto comm = std::make_unique<NcclCommunicator>(
      id, NcclCommunicatorOptions{replica(), replicas(), device, options_.control.timeout});
  buckets->wire = wire_;
  buckets->overlap = Overlaps(options_.overlap, params.front().device());
  buckets->device = params.front().device();
  return std::make_unique<NcclBucketCollective>(std::move(comm), device);
}

}  // namespace getps
