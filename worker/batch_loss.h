// The forward pass and the training losses of section 6, shared by every
// loop that runs the model on a batch (training, validation, test).
#pragma once

#include <torch/torch.h>

#include "worker/batch_tensors.h"
#include "worker/model/autocast.h"
#include "worker/model/region_model.h"

namespace getps {

// The model's head on the batch (`mask`: pretraining's, else empty), under
// bf16 autocast when asked; outputs come back fp32 so that losses and
// metrics are computed in full precision.
GetOutputs Forward(RegionModel& model, const BatchTensors& t, const torch::Tensor& mask,
                   Precision precision);

struct LossOptions {
  double mask_ratio = 0.5;  // pretraining: Bernoulli region masks (torch's generator)
  ExpressionLoss expression = ExpressionLoss::kPoisson;
};

// Variformer's loss over the entries where `mask` is 1 (all [B, R, 2]):
// 0.5 x their MSE + 0.5 x the MSE over pairs of windows i < j of
// (predicted_i - predicted_j) - (target_i - target_j) at each entry both
// hold. A batch being one gene window's people, the pairs are people.
torch::Tensor VariformerLoss(const torch::Tensor& predicted, const torch::Tensor& target,
                             const torch::Tensor& mask);

// Pretraining's reconstruction of one batch: regions hidden by a
// Bernoulli(mask_ratio) draw from torch's generator; returns the [B, R]
// mean-over-features squared error and sets *mask to the [B, R] draw.
torch::Tensor MaskedRegionErrors(RegionModel& model, const BatchTensors& t, double mask_ratio,
                                 Precision precision, GetOutputs* out, torch::Tensor* mask);

// One batch through the model, by its task: pretraining = MSE over masked
// regions x F; expression = Poisson NLL (log_input false, eps 1e-8) over
// B x R x 2; accessibility = the same over B x R against the regions'
// logCPM (the input's accessibility column being 1).
torch::Tensor BatchLoss(RegionModel& model, const BatchTensors& t, const LossOptions& options,
                        Precision precision, GetOutputs* out);

}  // namespace getps
