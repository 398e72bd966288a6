#include "worker/batch_loss.h"

namespace getps {

namespace F = torch::nn::functional;

GetOutputs Forward(RegionModel& model, const BatchTensors& t, const torch::Tensor& mask,
                   Precision precision) {
  GetOutputs out;
  {
    AutocastScope autocast(t.features.device().type(), precision);
    out = model.Forward(t.features, mask);
  }
  for (torch::Tensor* x : {&out.expression, &out.accessibility, &out.masked})
    if (x->defined()) *x = x->to(torch::kFloat);
  return out;
}

torch::Tensor MaskedRegionErrors(RegionModel& model, const BatchTensors& t, double mask_ratio,
                                 Precision precision, GetOutputs* out, torch::Tensor* mask) {
  *mask = torch::rand({t.features.size(0), t.features.size(1)}, t.features.options()) < mask_ratio;
  *out = Forward(model, t, *mask, precision);
  return (out->masked - t.features).pow(2).mean(-1);
}

torch::Tensor BatchLoss(RegionModel& model, const BatchTensors& t, const LossOptions& o,
                        Precision precision, GetOutputs* out) {
  if (model.task() == RegionTask::kPretrain) {
    torch::Tensor mask;
    auto per_region = MaskedRegionErrors(model, t, o.mask_ratio, precision, out, &mask);
    auto m = mask.to(per_region.dtype());
    return (per_region * m).sum() / m.sum().clamp_min(1.0);
  }
  *out = Forward(model, t, {}, precision);
  auto nll = F::PoissonNLLLossFuncOptions().log_input(false).eps(1e-8).reduction(torch::kMean);
  if (model.task() == RegionTask::kAccessibility)
    return F::poisson_nll_loss(out->accessibility, t.atac, nll);
  if (o.expression == ExpressionLoss::kVariformer)
    return VariformerLoss(out->expression, t.expression, t.tss_mask);
  return F::poisson_nll_loss(out->expression, t.expression, nll);
}

torch::Tensor VariformerLoss(const torch::Tensor& predicted, const torch::Tensor& target,
                             const torch::Tensor& mask) {
  const auto error = (predicted - target) * mask;
  const auto mse = error.pow(2).sum() / mask.sum().clamp_min(1.0);
  // Per entry over the windows holding it: sum over pairs of (e_i - e_j)^2
  // = n * sum of (e_i - mean)^2, over n (n - 1) / 2 pairs.
  const auto n = mask.sum(0);
  const auto mean = error.sum(0) / n.clamp_min(1.0);
  const auto spread = ((error - mean) * mask).pow(2).sum(0);
  const auto pairs = (n * (n - 1) / 2).sum();
  const auto pairwise = (n * spread).sum() / pairs.clamp_min(1.0);
  return 0.5 * mse + 0.5 * pairwise;
}

}  // namespace getps
