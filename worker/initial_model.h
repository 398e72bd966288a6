// The model a training run starts from, built in one place for the trainer
// and the distributed coordinator, so that a parameter server starts from
// exactly the weights its replicas would build.
#pragma once

#include <memory>
#include <string>

#include "storage/store_reader.h"
#include "worker/region_model.h"
#include "worker/trainer.h"

namespace getps {

// options.model at options.model_size for the store's features, with
// options.drop_path; torch's generator seeded with options.seed before the
// initialisation; then the weights of options.init unless options.resume
// finds a checkpoint in options.run_dir (a resumed run takes its
// checkpoint's, loaded by the caller). `config` receives the
// configuration.
std::unique_ptr<RegionModel> MakeInitialModel(const TrainOptions& options, const StoreReader& store,
                                              GetModelConfig* config);

// Loads `init` (anything CheckpointWeightsPath takes) into the model and
// logs where from.
void LoadInitialWeights(RegionModel& model, const std::string& init);

}  // namespace getps
