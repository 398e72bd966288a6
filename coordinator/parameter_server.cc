#include "coordinator/parameter_server.h"

#include <cstdint>

#include "common/error.h"
#include "worker/model/tensor_frames.h"

namespace getps {

ParameterServer::ParameterServer(NamedTensors parameters, torch::optim::Optimizer& optimizer)
    : parameters_(std::move(parameters)), optimizer_(optimizer) {
  for (std::size_t i = 0; i < parameters_.size(); ++i) index_[parameters_[i].first] = i;
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
  for (const auto& f : gradients) {
    auto it = index_.find(f.name);
    if (it == index_.end())
      throw Error(ErrorCode::kInvalidArgument, "push names unknown " + f.name);
    auto& p = parameters_[it->second].second;
    auto g = TensorOf(f);
    if (g.numel() != p.numel())
      throw Error(ErrorCode::kInvalidArgument, "push for " + f.name + " has the wrong size");
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    p.mutable_grad().add_(g.view_as(p).to(p.dtype()));
  }
  ++pushes_;
}

double ParameterServer::GradientSquaredNorm() const {
  return getps::GradientSquaredNorm(parameters_);
}

void ParameterServer::ScaleGradients(double factor) {
  torch::NoGradGuard no_grad;
  for (auto& [name, p] : parameters_)
    if (p.grad().defined()) p.mutable_grad().mul_(factor);
}

void ParameterServer::Apply(double lr, double clip) {
  if (clip > 0) {
    std::vector<torch::Tensor> tensors;
    for (const auto& [name, p] : parameters_) tensors.push_back(p);
    torch::nn::utils::clip_grad_norm_(tensors, clip);
  }
  for (auto& group : optimizer_.param_groups()) group.options().set_lr(lr);
  optimizer_.step();
  optimizer_.zero_grad();
  pushes_ = 0;
}

void ParameterServer::ApplyClipped(double lr, double clip, double squared_norm) {
  ScaleGradients(ClipFactor(clip, squared_norm));
  Apply(lr, 0);
}

void ParameterServer::Discard() {
  optimizer_.zero_grad();
  pushes_ = 0;
}

std::vector<TensorFrame> ParameterServer::Snapshot() const { return SnapshotFrames(parameters_); }

}  // namespace getps
