#include "coordinator/parameter_server.h"

#include "common/error.h"
#include "worker/tensor_frames.h"

namespace getps {

ParameterServer::ParameterServer(torch::nn::Module& module, torch::optim::Optimizer& optimizer)
    : module_(module), optimizer_(optimizer) {
  optimizer_.zero_grad();
}

void ParameterServer::Accumulate(std::uint64_t step, const std::vector<TensorFrame>& gradients) {
  torch::NoGradGuard no_grad;
  if (pushes_ == 0) {
    step_ = step;
  } else if (step != step_) {
    throw Error(ErrorCode::kInvalidArgument, "push for step " + std::to_string(step) +
                                                 " while gathering step " + std::to_string(step_));
  }
  auto named = module_.named_parameters();
  for (const auto& f : gradients) {
    auto* p = named.find(f.name);
    if (p == nullptr) throw Error(ErrorCode::kInvalidArgument, "push names unknown " + f.name);
    auto g = TensorOf(f);
    if (g.numel() != p->numel())
      throw Error(ErrorCode::kInvalidArgument, "push for " + f.name + " has the wrong size");
    if (!p->grad().defined()) p->mutable_grad() = torch::zeros_like(*p);
    p->mutable_grad().add_(g.view_as(*p).to(p->dtype()));
  }
  ++pushes_;
}

void ParameterServer::Apply(double lr, double clip) {
  if (clip > 0) torch::nn::utils::clip_grad_norm_(module_.parameters(), clip);
  for (auto& group : optimizer_.param_groups()) group.options().set_lr(lr);
  optimizer_.step();
  optimizer_.zero_grad();
  pushes_ = 0;
}

void ParameterServer::Discard() {
  optimizer_.zero_grad();
  pushes_ = 0;
}

std::vector<TensorFrame> ParameterServer::Snapshot() const { return ParameterFrames(module_); }

}  // namespace getps
