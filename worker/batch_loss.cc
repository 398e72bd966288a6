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
  return F::poisson_nll_loss(out->expression, t.expression, nll);
}

}  // namespace getps
