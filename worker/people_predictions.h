// PeoplePredictor: one gene's prediction for each person of a cohort: the
// gene's window (GeneTask, gene_explainer.h) with the person's deltas
// (storage/genotype_overlay.h), the output explain explains. People who do
// not differ from the reference inside the window share the reference
// window's prediction; the others' windows go through the model in forward
// passes of `batch_size` windows, each beside the reference window (so a
// person equal to the reference gets its value bit for bit).
//
// Owns its assembler and batch; the model, store and overlays outlive it.
// Thread-compatible.
#pragma once

#include <torch/types.h>

#include <vector>

#include "storage/batch_assembler.h"
#include "storage/genotype_overlay.h"
#include "worker/gene_explainer.h"

namespace getps {

class PeoplePredictor {
 public:
  PeoplePredictor(RegionModel& model, const StoreReader& store, torch::Device device, AtacMode atac,
                  std::size_t batch_size);

  // One prediction per overlay, in their order; `windows_run` (when given)
  // counts the person windows that went through the model.
  std::vector<float> Predict(const GeneTask& task,
                             const std::vector<const GenotypeOverlay*>& people,
                             std::size_t* windows_run = nullptr);

 private:
  RegionModel& model_;
  torch::Device device_;
  std::size_t batch_size_;
  BatchAssembler assembler_;
  Batch batch_;
};

}  // namespace getps
