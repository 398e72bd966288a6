#include "worker/tensor_frames.h"

#include <algorithm>
#include <iterator>
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

std::vector<TensorFrame> ParameterFrames(const torch::nn::Module& module) {
  std::vector<TensorFrame> frames;
  for (const auto& p : module.named_parameters())
    frames.push_back(FrameOf(p.key(), p.value().detach().clone()));
  return frames;
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
    p->copy_(TensorOf(f).view_as(*p));
  }
}

}  // namespace getps
