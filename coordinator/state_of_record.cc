#include "coordinator/state_of_record.h"

#include <sstream>

#include "common/log.h"
#include "worker/initial_model.h"

namespace getps {

void StateOfRecord::Capture(torch::nn::Module& module, torch::optim::Optimizer& optimizer,
                            nlohmann::json meta) {
  torch::NoGradGuard no_grad;
  weights_.clear();
  for (const auto& p : module.parameters()) weights_.push_back(p.detach().clone());
  std::ostringstream bytes;
  torch::save(optimizer, bytes);
  optimizer_ = bytes.str();
  meta_ = std::move(meta);
}

void StateOfRecord::Restore(torch::nn::Module& module, torch::optim::Optimizer& optimizer) const {
  torch::NoGradGuard no_grad;
  auto params = module.parameters();
  for (std::size_t i = 0; i < params.size() && i < weights_.size(); ++i)
    params[i].copy_(weights_[i]);
  std::istringstream bytes(optimizer_);
  torch::load(optimizer, bytes);
}

ResumedCommit LoadNewestCommit(CheckpointManager& checkpoints, const TrainOptions& train,
                               const StoreReader& store, const GetModelConfig& config,
                               torch::nn::Module& module, torch::optim::Optimizer& optimizer) {
  const auto dir = checkpoints.NewestValid();
  if (!dir) return {};
  nlohmann::json meta = CheckpointManager::ReadMeta(*dir);
  CheckTrainedOnStore(meta, *dir, store.path(), store.fingerprint());
  CheckSameModel(meta, *dir, train, config);
  LoadCheckpointWeights(module, *dir);
  torch::load(optimizer, *dir + "/optimizer.pt");
  checkpoints.AdoptAsStateOfRecord(*dir);
  LogInfo("coordinator: state of record from " + *dir);
  return {*dir, meta};
}

}  // namespace getps
