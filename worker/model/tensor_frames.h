// Conversions between LibTorch tensors and protocol TensorFrames, without
// copies: a frame made from a tensor keeps the (CPU, contiguous) tensor
// alive as its owner, and a tensor made from a received frame keeps the
// frame alive through its deleter.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "protocol/message.h"
#include "worker/model/optimizer.h"

namespace getps {

// `t` is moved to the CPU and made contiguous first when needed (a copy only
// then). Throws Error(kInvalidArgument) for dtypes the protocol lacks.
TensorFrame FrameOf(std::string name, const torch::Tensor& t);

// A snapshot of named tensors (copies; later updates do not change it),
// one frame per tensor; ParameterFrames: of the module's parameters.
std::vector<TensorFrame> SnapshotFrames(const NamedTensors& tensors);
std::vector<TensorFrame> ParameterFrames(const torch::nn::Module& module);

// A CPU tensor viewing the frame's bytes.
torch::Tensor TensorOf(const TensorFrame& frame);

// Copies each frame into the module's parameter of the same name (weights
// received from a peer). Throws Error(kInternal) naming `sender` and the
// frame when the module has no such parameter, Error(kInvalidArgument)
// when its size differs.
void CopyIntoParameters(torch::nn::Module& module, const std::vector<TensorFrame>& frames,
                        const std::string& sender);

// A replica's whole training state for a checkpoint written elsewhere: a
// frame per named parameter, and the optimizer's torch::save bytes as
// "optimizer.pt" (uint8). LoadTrainingState puts such frames into another
// module and optimizer of the same shapes (errors as CopyIntoParameters).
std::vector<TensorFrame> TrainingStateFrames(const torch::nn::Module& module,
                                             torch::optim::Optimizer& optimizer);
void LoadTrainingState(torch::nn::Module& module, torch::optim::Optimizer& optimizer,
                       const std::vector<TensorFrame>& frames, const std::string& sender);

// The weights and AdamW state of `parameters` (copies): a frame "NAME" per
// parameter, and for each one `optimizer` has stepped "NAME@exp_avg",
// "NAME@exp_avg_sq" and "NAME@step" (int64, one element). How a parameter
// server shard's state travels between it and the coordinator.
std::vector<TensorFrame> ParameterStateFrames(const NamedTensors& parameters,
                                              torch::optim::Optimizer& optimizer);

// Puts such frames back into `parameters` and their state in `optimizer`
// (which holds them); a parameter without state frames has no state after.
// Throws Error(kInternal) naming `sender` for a frame of no parameter in
// `parameters`, or a parameter missing from the frames.
void LoadParameterState(const NamedTensors& parameters, torch::optim::Optimizer& optimizer,
                        const std::vector<TensorFrame>& frames, const std::string& sender);

}  // namespace getps
