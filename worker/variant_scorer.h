// VariantScorer: what variant alleles do to the genes whose windows hold the
// regions they change (`getps variant-effect`). For a gene in a cell type
// (GeneTask, gene_explainer.h: the window centred on its TSS region and the
// output explain explains) and an allele changing regions of that window by
// raw motif deltas (storage/genotype_store.h):
//   ref           E of the reference window
//   alt           E of the window with the allele's deltas applied to its
//                 regions' rows (ApplyRowDelta: the reference's normalisation,
//                 as a person's windows get)
//   grad_x_delta  sum over the changed entries of dE/dX at the reference
//                 times (alt row - reference row): the first-order estimate
//                 of alt - ref, from the same backward pass for every allele
//
// Per gene: one forward and backward pass (the gradient), then the alleles'
// windows in forward passes of `batch_size` windows beside the reference's. Owns its assembler; the
// model and store must outlive it. Thread-compatible (one call at a time).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "storage/batch_assembler.h"
#include "storage/genotype_store.h"
#include "storage/store_reader.h"
#include "worker/gene_explainer.h"

namespace getps {

// One allele: the store regions it changes and its delta on each (not
// owned; they outlive the Score call).
struct AlleleChange {
  std::uint32_t variant = 0;
  std::vector<std::pair<std::uint32_t, const SparseDelta*>> regions;
};

struct AlleleEffect {
  float ref = 0, alt = 0, grad_x_delta = 0;
};

struct VariantScorerOptions {
  AtacMode atac = AtacMode::kQuantitative;  // as the model was trained
  std::size_t batch_size = 64;              // allele windows per forward pass
};

class VariantScorer {
 public:
  // `device`: where the model's parameters are (inputs go there).
  VariantScorer(RegionModel& model, const StoreReader& store, torch::Device device,
                VariantScorerOptions options);

  // One effect per change, in their order; regions of a change that are not
  // in the task's window are left as they are. Throws Error(kInvalidArgument)
  // as Attribute does (a pretraining model).
  std::vector<AlleleEffect> Score(const GeneTask& task, const std::vector<AlleleChange>& changes);

 private:
  RegionModel& model_;
  const StoreReader& store_;
  torch::Device device_;
  VariantScorerOptions options_;
  BatchAssembler assembler_;
  Batch batch_;
};

}  // namespace getps
