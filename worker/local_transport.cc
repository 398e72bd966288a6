#include "worker/local_transport.h"

#include <cstdint>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/log.h"
#include "common/wall_clock.h"
#include "worker/model/initial_model.h"
#include "worker/model/state_dict.h"

namespace getps {

LocalTransport::LocalTransport(const TrainOptions& options, const StoreReader& store,
                               const GetModelConfig& config)
    : options_(options),
      store_(store),
      config_(config),
      checkpoints_(options.run_dir, options.keep_last),
      metrics_(std::filesystem::path(options.run_dir) / "metrics.jsonl") {}

StepShard LocalTransport::NextShard(std::int64_t, std::size_t, std::size_t) {
  throw Error(ErrorCode::kInternal, "a single-process run hands out no shards");
}

std::optional<std::string> LocalTransport::LoadBest(torch::nn::Module& module) {
  const auto best = checkpoints_.Best();
  if (best) LoadCheckpointWeights(module, *best);
  return best;
}

std::optional<ResumePoint> LocalTransport::LoadStateOfRecord(torch::nn::Module& module,
                                                             torch::optim::Optimizer& optimizer) {
  return LoadNewestCheckpoint(checkpoints_, options_, store_, config_, module, optimizer);
}

void LocalTransport::WriteRunFile(const std::string& name, const std::string& text) {
  try {
    WriteFileAtomically(std::filesystem::path(options_.run_dir) / name, text);
  } catch (const Error& e) {
    LogError(e.what());
  }
}

void LocalTransport::Record(const nlohmann::json& record) {
  nlohmann::json stamped = record;
  stamped["time"] = WallClockSeconds();
  metrics_.Append(stamped);
}

bool LocalTransport::Checkpoint(const CommitOptions& commit, torch::nn::Module& module,
                                torch::optim::Optimizer& optimizer) {
  try {
    checkpoints_.Save(commit.step, module, optimizer, commit.meta, commit.is_best);
    return true;
  } catch (const Error& e) {
    LogError(std::string(e.what()) + " (training goes on)");
    return false;
  }
}

void LocalTransport::WriteMergedModel(RegionModel& model) {
  model.MergeLora();
  SaveStateDict(model.module(), (std::filesystem::path(options_.run_dir) / "merged.pt").string());
}

}  // namespace getps
