#include "worker/people_predictions.h"

#include <torch/torch.h>
#include <cstdint>

#include <algorithm>

#include "worker/batch_tensors.h"

namespace getps {

PeoplePredictor::PeoplePredictor(RegionModel& model, const StoreReader& store, torch::Device device,
                                 AtacMode atac, std::size_t batch_size)
    : model_(model),
      device_(device),
      batch_size_(std::max<std::size_t>(1, batch_size)),
      assembler_(store, {kRegionsPerWindow, atac}) {}

std::vector<float> PeoplePredictor::Predict(const GeneTask& task,
                                            const std::vector<const GenotypeOverlay*>& people,
                                            std::size_t* windows_run) {
  const std::int64_t row = task.window.row;
  const int strand = task.gene.strand == '+' ? 0 : 1;
  std::vector<std::size_t> differing;
  {
    assembler_.Assemble(std::span<const Window>(&task.window.window, 1), &batch_);
    for (std::size_t k = 0; k < people.size(); ++k)
      if (people[k]->Changes(batch_, 0)) differing.push_back(k);
  }
  if (windows_run) *windows_run += differing.size();
  torch::NoGradGuard no_grad;
  auto outputs = [&](std::size_t n) {
    const auto out = model_.Forward(CopyBatch(batch_, device_).features, {});
    const auto e =
        (model_.task() == RegionTask::kExpression ? out.expression.select(1, row).select(1, strand)
                                                  : out.accessibility.select(1, row))
            .to(torch::kCPU)
            .contiguous();
    return std::vector<float>(e.data_ptr<float>(), e.data_ptr<float>() + n);
  };
  std::vector<float> predictions(people.size());
  if (differing.empty()) {
    const float ref = outputs(1)[0];
    std::fill(predictions.begin(), predictions.end(), ref);
    return predictions;
  }
  for (std::size_t first = 0; first < differing.size(); first += batch_size_) {
    const std::size_t n = std::min(batch_size_, differing.size() - first);
    const std::vector<Window> windows(n + 1, task.window.window);
    assembler_.Assemble(windows, &batch_);
    for (std::size_t i = 0; i < n; ++i) people[differing[first + i]]->ApplyToSlot(&batch_, i + 1);
    const std::vector<float> e = outputs(n + 1);
    if (first == 0)
      for (float& p : predictions) p = e[0];  // the reference, for everyone not differing
    for (std::size_t i = 0; i < n; ++i) predictions[differing[first + i]] = e[i + 1];
  }
  return predictions;
}

}  // namespace getps
