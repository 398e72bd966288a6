// Weights from elsewhere for --init: the reference's checkpoints (a plain
// state dict, a dict holding it under "model" or "state_dict" as its
// extract_state_dict takes, a PyTorch Lightning checkpoint with "model."
// keys) as well as getps's own, adopted into a model of any task: the heads
// the model needs and the file lacks keep their fresh initialisation, heads
// it does not need are dropped, both named in one line each.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

#include "worker/model/region_model.h"

namespace getps {

// The {name: tensor} state dict in the file at `path`. A plain state dict
// is read here; anything LibTorch cannot unpickle (a Lightning checkpoint
// carries Python objects) or that wraps the dict is converted by a short
// script run with the project's Python: $GETPS_PYTHON, else the Python of
// the environment getps was built with, else python3. Throws
// Error(kNotFound) for a missing file, Error(kCorruption) naming the file
// when neither way yields a state dict (the converter's words in it).
std::map<std::string, torch::Tensor> ImportStateDict(const std::string& path);

struct AdoptOptions {
  std::string drop;       // regex (searched): keys left out first (--init-drop)
  std::string source;     // names the file in messages
  bool new_heads = true;  // false: a head the file lacks is an error too
};

// Copies `weights` into `model`: a "model." prefix on every key is stripped
// (Lightning); keys matching options.drop are left out; every other tensor
// of the model must be there with its shape, except heads (IsHead), which
// keep their initialisation when missing or shaped for another task; heads
// of the file the model lacks are dropped. Throws Error(kInvalidArgument)
// naming the key, the shape expected and the shape found for anything else
// missing, mis-shaped or unexpected.
void AdoptWeights(RegionModel& model, std::map<std::string, torch::Tensor> weights,
                  const AdoptOptions& options);

}  // namespace getps
