#include "worker/tensor_frames.h"

#include "common/error.h"

namespace getps {

TensorFrame FrameOf(std::string name, const torch::Tensor& t) {
  TensorFrame f;
  switch (t.scalar_type()) {
    case torch::kFloat:
      f.dtype = TensorDtype::kFloat32;
      break;
    case torch::kBFloat16:
      f.dtype = TensorDtype::kBFloat16;
      break;
    case torch::kHalf:
      f.dtype = TensorDtype::kFloat16;
      break;
    case torch::kLong:
      f.dtype = TensorDtype::kInt64;
      break;
    case torch::kByte:
      f.dtype = TensorDtype::kUInt8;
      break;
    default:
      throw Error(ErrorCode::kInvalidArgument,
                  "tensor '" + name + "' has a dtype the protocol does not carry");
  }
  auto held = std::make_shared<torch::Tensor>(t.to(torch::kCPU).contiguous());
  f.name = std::move(name);
  f.shape.assign(held->sizes().begin(), held->sizes().end());
  f.data = held->data_ptr();
  f.bytes = static_cast<std::size_t>(held->nbytes());
  f.owner = std::shared_ptr<const void>(held, held->data_ptr());
  return f;
}

torch::Tensor TensorOf(const TensorFrame& f) {
  static_assert(sizeof(void*) == 8);
  torch::ScalarType type = torch::kFloat;
  switch (f.dtype) {
    case TensorDtype::kFloat32:
      type = torch::kFloat;
      break;
    case TensorDtype::kBFloat16:
      type = torch::kBFloat16;
      break;
    case TensorDtype::kFloat16:
      type = torch::kHalf;
      break;
    case TensorDtype::kInt64:
      type = torch::kLong;
      break;
    case TensorDtype::kUInt8:
      type = torch::kByte;
      break;
  }
  auto owner = f.owner;
  return torch::from_blob(
      const_cast<void*>(f.data), f.shape, [owner](void*) mutable { owner.reset(); },
      torch::TensorOptions().dtype(type));
}

}  // namespace getps
