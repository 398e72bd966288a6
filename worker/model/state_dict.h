// State dicts in PyTorch's own file format: SaveStateDict writes what
// Python's torch.load(path) returns as a plain {name: tensor} dict (the
// reference implementation's names, see get_model.h); LoadStateDict reads
// such a dict written by torch.save in Python (or by SaveStateDict), checks
// names and shapes against the module, and copies the values in.
#pragma once

#include <torch/nn/module.h>

#include <map>
#include <string>

namespace getps {

// Parameters and buffers by dotted name, LoRA adapters (*.lora_A/B) left
// out: the reference's state dict.
std::map<std::string, torch::Tensor> StateDict(const torch::nn::Module& module);
// Only the LoRA adapters (empty without LoRA).
std::map<std::string, torch::Tensor> AdapterDict(const torch::nn::Module& module);

// Writes {name: tensor} as torch.save would (CPU copies), atomically:
// temporary name, fsync, rename. Throws Error(kIOError).
void SaveTensorDict(const std::map<std::string, torch::Tensor>& tensors, const std::string& path);
void SaveStateDict(const torch::nn::Module& module, const std::string& path);

// The {name: tensor} dict of a file torch.save wrote (a plain dict or an
// OrderedDict). Throws Error(kNotFound) for a missing file,
// Error(kCorruption) for one LibTorch cannot unpickle, and
// Error(kInvalidArgument) for another kind of object.
std::map<std::string, torch::Tensor> ReadTensorDict(const std::string& path);

// Throws Error(kInvalidArgument) naming the first missing, unexpected or
// wrongly shaped entry; Error(kCorruption) for an unreadable file.
void LoadStateDict(torch::nn::Module& module, const std::string& path);
// The same for the adapters (a file written from AdapterDict).
void LoadAdapters(torch::nn::Module& module, const std::string& path);

}  // namespace getps
