// GeneExplainer: attribution (attribution.h) for genes of a feature store.
// For a gene in a cell type the window is WindowAroundGene's (200 accessible
// regions centred on the TSS region) and the output explained is the
// prediction for the gene's strand at its TSS region.
//
// Per gene it returns, besides the motif importance of the method:
//   region_norm[i]  the region-embedding Jacobian norm divided by the
//                   gene's largest (1 = the most important region)
//   score[i]        the enhancer-gene score: region_norm[i] x the region's
//                   accessibility (the store's log CPM) x prior(d_i),
//                   divided by the sum over the window (so the window sums
//                   to 1; all 0 when nothing in it is accessible)
//   prior(d)        1 (kNone), or (1 + |d| / 5 kb)^-1 (kPowerLaw), d the
//                   distance from the TSS to the region in bp
//
// Owns nothing but its assembler; the model and store must outlive it.
// Thread-compatible (one call at a time: the model's autograd state).
#pragma once

#include <torch/types.h>

#include <array>
#include <cstdint>
#include <vector>

#include "common/enum_names.h"
#include "storage/batch_assembler.h"
#include "storage/gene_window.h"
#include "storage/store_reader.h"
#include "worker/attribution.h"

namespace getps {

enum class DistancePrior { kNone, kPowerLaw };
inline constexpr EnumNames<DistancePrior, 2> kDistancePriors{
    {{{DistancePrior::kNone, "none"}, {DistancePrior::kPowerLaw, "powerlaw"}}}};

// The power law's scale, bp.
inline constexpr double kPowerLawScale = 5000.0;

// One gene in one cell type, with its window.
struct GeneTask {
  GeneRecord gene;
  int celltype = 0;
  GeneWindow window;
};

// The explanations of n genes as flat arrays (row g belongs to task g).
struct GeneExplanations {
  torch::Tensor output;       // [n]     float32: the prediction explained
  torch::Tensor motif;        // [n, F]  float32
  torch::Tensor region_norm;  // [n, R]  float32, max-normalised
  torch::Tensor score;        // [n, R]  float32, sum-normalised
  torch::Tensor region_ids;   // [n, R]  int64: the window's regions

  // The arrays in the one order files and messages keep them in, by name.
  static constexpr std::size_t kArrays = 5;
  static constexpr std::array<const char*, kArrays> kArrayNames{"output", "motif", "region_norm",
                                                                "score", "region_ids"};
  std::array<torch::Tensor, kArrays> Arrays() const {
    return {output, motif, region_norm, score, region_ids};
  }
  static GeneExplanations FromArrays(const std::array<torch::Tensor, kArrays>& a) {
    return {a[0], a[1], a[2], a[3], a[4]};
  }
};

struct GeneExplainerOptions {
  AttributionOptions attribution;
  AtacMode atac = AtacMode::kQuantitative;  // as the model was trained
  DistancePrior prior = DistancePrior::kNone;
  std::size_t batch_size = 16;  // genes per backward pass
};

// Signed distance in bp from a gene's TSS to a region: 0 when the region
// holds it, positive downstream along the gene's strand.
std::int64_t DistanceToTss(const GeneRecord& gene, std::uint32_t start, std::uint32_t end);

class GeneExplainer {
 public:
  // `device`: where the model's parameters are (inputs go there).
  GeneExplainer(RegionModel& model, const StoreReader& store, torch::Device device,
                GeneExplainerOptions options);

  // Throws Error(kInvalidArgument) as Attribute does.
  GeneExplanations Explain(const std::vector<GeneTask>& tasks);

 private:
  GeneExplanations ExplainBatch(const std::vector<GeneTask>& tasks, std::size_t first,
                                std::size_t n);

  RegionModel& model_;
  const StoreReader& store_;
  torch::Device device_;
  GeneExplainerOptions options_;
  BatchAssembler assembler_;
  Batch batch_;
};

}  // namespace getps
