#include "worker/model/tensor_frames.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <sstream>
#include <utility>

#include "common/error.h"

namespace getps {
namespace {

// The dtypes both sides know, one row each way.
constexpr std::pair<torch::ScalarType, TensorDtype> kDtypes[] = {
    {torch::kFloat, TensorDtype::kFloat32}, {torch::kBFloat16, TensorDtype::kBFloat16},
    {torch::kHalf, TensorDtype::kFloat16},  {torch::kLong, TensorDtype::kInt64},
    {torch::kByte, TensorDtype::kUInt8},
};

}  // namespace

TensorFrame FrameOf(std::string name, const torch::Tensor& t) {
  TensorFrame f;
  const auto* row = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                                 [&](const auto& r) { return r.first == t.scalar_type(); });
  if (row == std::end(kDtypes))
    throw Error(ErrorCode::kInvalidArgument,
                "tensor '" + name + "' has a dtype the protocol does not carry");
  f.dtype = row->second;
  auto held = std::make_shared<torch::Tensor>(t.to(torch::kCPU).contiguous());
  f.name = std::move(name);
  f.shape.assign(held->sizes().begin(), held->sizes().end());
  f.data = held->data_ptr();
  f.bytes = static_cast<std::size_t>(held->nbytes());
  f.owner = std::shared_ptr<const void>(held, held->data_ptr());
  return f;
}

std::vector<TensorFrame> SnapshotFrames(const NamedTensors& tensors) {
  std::vector<TensorFrame> frames;
  for (const auto& [name, t] : tensors) frames.push_back(FrameOf(name, t.detach().clone()));
  return frames;
}

std::vector<TensorFrame> ParameterFrames(const torch::nn::Module& module) {
  return SnapshotFrames(NamedParameters(module));
}

torch::Tensor TensorOf(const TensorFrame& f) {
  const auto* row = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                                 [&](const auto& r) { return r.second == f.dtype; });
  if (row == std::end(kDtypes))  // the decoder admits only known dtypes
    throw Error(ErrorCode::kInternal, "tensor '" + f.name + "' has an unknown dtype");
  auto owner = f.owner;
  return torch::from_blob(
      const_cast<void*>(f.data), f.shape, [owner](void*) mutable { owner.reset(); },
      torch::TensorOptions().dtype(row->first));
}

void CopyIntoParameters(torch::nn::Module& module, const std::vector<TensorFrame>& frames,
                        const std::string& sender) {
  torch::NoGradGuard no_grad;
  auto named = module.named_parameters();
  for (const auto& f : frames) {
    auto* p = named.find(f.name);
    if (p == nullptr)
      throw Error(ErrorCode::kInternal, sender + " names unknown parameter " + f.name);
    const auto t = TensorOf(f);
    if (t.numel() != p->numel())
      throw Error(ErrorCode::kInvalidArgument,
                  sender + " has " + f.name + " of " + std::to_string(t.numel()) +
                      " elements, this model " + std::to_string(p->numel()) +
                      " (another model configuration?)");
    p->copy_(t.view_as(*p));
  }
}

std::vector<TensorFrame> TrainingStateFrames(const torch::nn::Module& module,
                                             torch::optim::Optimizer& optimizer) {
  std::vector<TensorFrame> frames;
  for (const auto& p : module.named_parameters()) frames.push_back(FrameOf(p.key(), p.value()));
  std::ostringstream bytes;
  torch::save(optimizer, bytes);
  const std::string s = bytes.str();
  frames.push_back(CopyTensor("optimizer.pt", TensorDtype::kUInt8,
                              {static_cast<std::int64_t>(s.size())}, s.data()));
  return frames;
}

void LoadTrainingState(torch::nn::Module& module, torch::optim::Optimizer& optimizer,
                       const std::vector<TensorFrame>& frames, const std::string& sender) {
  std::vector<TensorFrame> weights;
  for (const auto& f : frames) {
    if (f.name == "optimizer.pt") {
      std::istringstream bytes(std::string(static_cast<const char*>(f.data), f.bytes));
      torch::load(optimizer, bytes);
    } else {
      weights.push_back(f);
    }
  }
  CopyIntoParameters(module, weights, sender);
}

std::vector<TensorFrame> ParameterStateFrames(const NamedTensors& parameters,
                                              torch::optim::Optimizer& optimizer) {
  std::vector<TensorFrame> frames;
  auto& state = optimizer.state();
  for (const auto& [name, p] : parameters) {
    frames.push_back(FrameOf(name, p.detach().clone()));
    auto it = state.find(p.unsafeGetTensorImpl());
    if (it == state.end()) continue;
    const auto& s = static_cast<const torch::optim::AdamWParamState&>(*it->second);
    frames.push_back(FrameOf(name + "@exp_avg", s.exp_avg().clone()));
    frames.push_back(FrameOf(name + "@exp_avg_sq", s.exp_avg_sq().clone()));
    frames.push_back(FrameOf(name + "@step", torch::tensor({s.step()}, torch::kLong)));
  }
  return frames;
}

void LoadParameterState(const NamedTensors& parameters, torch::optim::Optimizer& optimizer,
                        const std::vector<TensorFrame>& frames, const std::string& sender) {
  torch::NoGradGuard no_grad;
  std::map<std::string, const TensorFrame*> by_name;
  for (const auto& f : frames) by_name[f.name] = &f;
  auto frame = [&](const std::string& name) -> const TensorFrame* {
    auto it = by_name.find(name);
    if (it == by_name.end()) return nullptr;
    const TensorFrame* f = it->second;
    by_name.erase(it);
    return f;
  };
  auto& state = optimizer.state();
  for (const auto& [name, p] : parameters) {
    const TensorFrame* weights = frame(name);
    if (!weights) throw Error(ErrorCode::kInternal, sender + " sent no weights for " + name);
    p.copy_(TensorOf(*weights).view_as(p));
    state.erase(p.unsafeGetTensorImpl());
    const TensorFrame *avg = frame(name + "@exp_avg"), *avg_sq = frame(name + "@exp_avg_sq"),
                      *step = frame(name + "@step");
    if (!avg && !avg_sq && !step) continue;
    if (!avg || !avg_sq || !step)
      throw Error(ErrorCode::kInternal, sender + " sent part of the AdamW state of " + name);
    auto s = std::make_unique<torch::optim::AdamWParamState>();
    s->exp_avg(TensorOf(*avg).view_as(p).to(p.device()).clone());
    s->exp_avg_sq(TensorOf(*avg_sq).view_as(p).to(p.device()).clone());
    s->step(TensorOf(*step).item<std::int64_t>());
    state[p.unsafeGetTensorImpl()] = std::move(s);
  }
  if (!by_name.empty())
    throw Error(ErrorCode::kInternal, sender + " sent " + by_name.begin()->first +
                                          ", which is none of the parameters expected");
}

}  // namespace getps
