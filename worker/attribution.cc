#include "worker/attribution.h"

#include <torch/torch.h>
#include <cstdint>

#include <string>

#include "common/error.h"

namespace getps {
namespace {

using torch::indexing::Slice;

// E_g for every window of `out`, at rows[g] (and strands[g]).
torch::Tensor Selected(const GetOutputs& out, RegionTask task, const torch::Tensor& rows,
                       const torch::Tensor& strands) {
  auto windows = torch::arange(rows.size(0), rows.options());
  if (task == RegionTask::kExpression) return out.expression.index({windows, rows, strands});
  return out.accessibility.index({windows, rows});
}

void CheckTargets(const RegionModel& model, const torch::Tensor& x,
                  const std::vector<AttributionTarget>& targets) {
  if (model.task() == RegionTask::kPretrain)
    throw Error(ErrorCode::kInvalidArgument,
                "a pretraining model has no expression or accessibility output to explain: use a "
                "fine-tuned checkpoint");
  if (x.dim() != 3 || x.size(0) != static_cast<std::int64_t>(targets.size()))
    throw Error(ErrorCode::kInvalidArgument, "attribution: expected x [G, R, F] with G = " +
                                                 std::to_string(targets.size()) + " targets");
  for (const auto& t : targets) {
    if (t.row < 0 || t.row >= x.size(1) || t.strand < 0 || t.strand > 1)
      throw Error(ErrorCode::kInvalidArgument, "attribution: target row " + std::to_string(t.row) +
                                                   " strand " + std::to_string(t.strand) +
                                                   " outside a window of " +
                                                   std::to_string(x.size(1)) + " regions");
  }
}

// motif[g] for the ism method: one forward per non-zero entry of x[g],
// `batch` perturbed copies at a time.
void InSilicoMutation(RegionModel& model, const torch::Tensor& x, const torch::Tensor& baseline,
                      const std::vector<AttributionTarget>& targets, std::int64_t batch,
                      torch::Tensor& motif) {
  torch::NoGradGuard no_grad;
  const auto long_options = torch::TensorOptions().dtype(torch::kLong).device(x.device());
  for (std::int64_t g = 0; g < x.size(0); ++g) {
    const auto window = x[g];
    const auto entries = window.nonzero();  // [N, 2]: region, feature
    for (std::int64_t first = 0; first < entries.size(0); first += batch) {
      const auto part = entries.index({Slice(first, first + batch)});
      const std::int64_t n = part.size(0);
      auto copies = window.unsqueeze(0).repeat({n, 1, 1});
      copies.index_put_({torch::arange(n, long_options), part.select(1, 0), part.select(1, 1)}, 0);
      const auto rows = torch::full({n}, targets[static_cast<std::size_t>(g)].row, long_options);
      const auto strands =
          torch::full({n}, targets[static_cast<std::size_t>(g)].strand, long_options);
      const auto e = Selected(model.Forward(copies, {}), model.task(), rows, strands);
      motif[g].index_add_(0, part.select(1, 1), baseline[g] - e);
    }
  }
}

}  // namespace

Attributions Attribute(RegionModel& model, const torch::Tensor& x,
                       const std::vector<AttributionTarget>& targets,
                       const AttributionOptions& options) {
  CheckTargets(model, x, targets);
  std::vector<std::int64_t> rows, strands;
  for (const auto& t : targets) {
    rows.push_back(t.row);
    strands.push_back(t.strand);
  }
  const auto long_options = torch::TensorOptions().dtype(torch::kLong);
  const auto row_index = torch::tensor(rows, long_options).to(x.device());
  const auto strand_index = torch::tensor(strands, long_options).to(x.device());

  torch::AutoGradMode grad_on(true);
  const auto input = x.detach().clone().requires_grad_(true);
  const auto out = model.Forward(input, {});
  const auto e = Selected(out, model.task(), row_index, strand_index);
  // Only the input and the embedding: the parameters' .grad stay untouched.
  const auto grads = torch::autograd::grad({e.sum()}, {input, out.embedded});

  Attributions a;
  a.output = e.detach();
  a.region_norm = grads[1].norm(2, -1).detach();
  a.input_grad = grads[0].detach();
  switch (options.method) {
    case AttributionMethod::kGrad:
      a.motif = grads[0].sum(1).detach();
      break;
    case AttributionMethod::kInputXGrad:
      a.motif = (grads[0] * x).sum(1).detach();
      break;
    case AttributionMethod::kIsm:
      a.motif = torch::zeros({x.size(0), x.size(2)}, x.options());
      InSilicoMutation(model, x, a.output, targets, std::max<std::int64_t>(1, options.ism_batch),
                       a.motif);
      break;
  }
  return a;
}

}  // namespace getps
