#include "worker/batch_tensors.h"

#include <torch/torch.h>
#include <cstdint>

namespace getps {
namespace {

torch::Tensor View(const std::vector<float>& data, std::vector<std::int64_t> shape) {
  // from_blob takes a non-const pointer; the tensors are documented read-only views.
  return torch::from_blob(const_cast<float*>(data.data()), shape, torch::kFloat32);
}

}  // namespace

BatchTensors ViewBatch(const Batch& batch) {
  const auto b = static_cast<std::int64_t>(batch.size);
  const auto w = static_cast<std::int64_t>(batch.window_size);
  const auto f = static_cast<std::int64_t>(batch.num_features);
  BatchTensors t;
  t.features = View(batch.features, {b, w, f});
  t.expression = View(batch.expression, {b, w, 2});
  t.tss_mask = View(batch.tss_mask, {b, w, 2});
  t.atac = View(batch.atac, {b, w});
  t.region_ids = torch::empty({b, w}, torch::kInt64);
  auto* ids = t.region_ids.data_ptr<std::int64_t>();
  for (std::size_t i = 0; i < static_cast<std::size_t>(b * w); ++i) ids[i] = batch.region_ids[i];
  return t;
}

BatchTensors CopyBatch(const Batch& batch, const torch::Device& device) {
  BatchTensors view = ViewBatch(batch);
  const bool to_cuda = device.is_cuda();
  auto move = [&](const torch::Tensor& x) {
    return to_cuda ? x.pin_memory().to(device, /*non_blocking=*/true) : x.clone();
  };
  return {move(view.features), move(view.expression), move(view.tss_mask), move(view.atac),
          to_cuda ? move(view.region_ids) : view.region_ids};
}

}  // namespace getps
