// Attribution: which input features and which regions drive one output of a
// region model, as the GET paper's methods define it. For window g the
// explained output is E_g = expression[g, row_g, strand_g] (an expression
// model) or accessibility[g, row_g] (an accessibility model); the windows
// of a batch are independent, so one backward pass of sum_g E_g gives every
// window's gradients at once (the one-hot output masks of the paper).
//
//   motif[g, f]  per feature, signed:
//     grad          sum_i dE_g/dX[g, i, f]
//     input-x-grad  sum_i (dE_g/dX ⊙ X)[g, i, f]
//     ism           sum_i (E_g(X) - E_g(X with X[g, i, f] = 0)), one forward
//                   per non-zero entry (a zero entry changes nothing)
//   region_norm[g, i]  ||dE_g / d embedded[g, i]||_2, the L2 norm of the
//     Jacobian of E_g with respect to region i's embedding (region_embed's
//     output; the MLP's linear1), whatever the method.
//
// Thread-compatible: calls on one model must not overlap. The model must be
// in eval mode (dropout and drop path off), or the figures are random.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "common/enum_names.h"
#include "worker/model/region_model.h"

namespace getps {

enum class AttributionMethod { kGrad, kInputXGrad, kIsm };
inline constexpr EnumNames<AttributionMethod, 3> kAttributionMethods{
    {{{AttributionMethod::kGrad, "grad"},
      {AttributionMethod::kInputXGrad, "input-x-grad"},
      {AttributionMethod::kIsm, "ism"}}}};

// The output explained in one window.
struct AttributionTarget {
  std::int64_t row = 0;  // the region, 0 <= row < R
  int strand = 0;        // 0 '+', 1 '-'; ignored by accessibility models
};

struct AttributionOptions {
  AttributionMethod method = AttributionMethod::kInputXGrad;
  std::int64_t ism_batch = 256;  // perturbed windows per forward pass (ism)
};

struct Attributions {
  torch::Tensor output;       // [G]     E_g
  torch::Tensor motif;        // [G, F]
  torch::Tensor region_norm;  // [G, R]
  torch::Tensor input_grad;   // [G, R, F] dE_g/dX[g], whatever the method
};

// `x` [G, R, F] in the model's dtype and on its device, one target per
// window. Throws Error(kInvalidArgument) for a pretraining model (it has no
// output to explain), a target outside the window, or a count mismatch.
Attributions Attribute(RegionModel& model, const torch::Tensor& x,
                       const std::vector<AttributionTarget>& targets,
                       const AttributionOptions& options);

}  // namespace getps
