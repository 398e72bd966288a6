// Conversions between LibTorch tensors and protocol TensorFrames, without
// copies: a frame made from a tensor keeps the (CPU, contiguous) tensor
// alive as its owner, and a tensor made from a received frame keeps the
// frame alive through its deleter.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "protocol/message.h"

namespace getps {

// `t` is moved to the CPU and made contiguous first when needed (a copy only
// then). Throws Error(kInvalidArgument) for dtypes the protocol lacks.
TensorFrame FrameOf(std::string name, const torch::Tensor& t);

// A snapshot of the module's parameters (copies; later updates do not
// change it), one frame per named parameter.
std::vector<TensorFrame> ParameterFrames(const torch::nn::Module& module);

// A CPU tensor viewing the frame's bytes.
torch::Tensor TensorOf(const TensorFrame& frame);

// Copies each frame into the module's parameter of the same name (weights
// received from a peer). Throws Error(kInternal) naming `sender` and the
// frame when the module has no such parameter.
void CopyIntoParameters(torch::nn::Module& module, const std::vector<TensorFrame>& frames,
                        const std::string& sender);

}  // namespace getps
