#include "worker/initial_model.h"

#include <torch/torch.h>

#include "common/log.h"
#include "worker/checkpoint.h"
#include "worker/state_dict.h"

namespace getps {

std::unique_ptr<RegionModel> MakeInitialModel(const TrainOptions& o, const StoreReader& store,
                                              GetModelConfig* config) {
  *config = GetModelConfig::Named(o.model_size, static_cast<std::int64_t>(store.num_motifs() + 1));
  config->drop_path_max = o.drop_path;
  torch::manual_seed(o.seed);
  auto model = MakeRegionModel(o.model, *config);
  const bool resuming =
      o.resume && CheckpointManager(o.run_dir, o.keep_last).NewestValid().has_value();
  if (!o.init.empty() && !resuming) LoadInitialWeights(*model, o.init);
  return model;
}

void LoadInitialWeights(RegionModel& model, const std::string& init) {
  const std::string path = CheckpointWeightsPath(init);
  LoadStateDict(model.module(), path);
  LogInfo("initialised from " + path);
}

}  // namespace getps
