#include "coordinator/record_figures.h"

#include <cmath>
#include <utility>

#include "common/json_number.h"

namespace getps {

void ShowRecordFigures(const nlohmann::json& r, int replicas, RunProgress& progress) {
  progress.SetState(r.value("kind", "") == "test" ? "done" : "training");
  for (auto [key, gauge] : {std::pair{"step", "step"},
                            {"epoch", "epochs_done"},
                            {"train_loss", "train_loss"},
                            {"validation_loss", "validation_loss"},
                            {"masked_mse", "test_masked_mse"}})
    if (const double v = NumberOr(r, key); !std::isnan(v)) progress.Set(gauge, v);
  if (const double v = NumberOr(r.value("pooled", nlohmann::json::object()), "pearson");
      !std::isnan(v))
    progress.Set("test_pearson", v);
  double rate = 0;
  for (const auto& t : r.value("throughput", nlohmann::json::array()))
    rate += t.value("samples_per_s", 0.0);
  if (rate > 0)
    progress.Set("samples_per_second", rate, "Training windows per second (all replicas).");
  progress.Set("replicas", replicas, "Replicas in the run.");
}

}  // namespace getps
