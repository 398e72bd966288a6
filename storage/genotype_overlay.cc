#include "storage/genotype_overlay.h"

#include <algorithm>
#include <cstdint>

#include "common/fp16.h"
#include "storage/store_reader.h"

namespace getps {

GenotypeOverlay::GenotypeOverlay(const StoreReader& store, const GenotypeReader& genotypes,
                                 std::uint16_t individual)
    : store_(store), individual_(individual) {
  genotypes.RequireStore(store);
  for (auto& [region, delta] : genotypes.PersonDeltas(individual))
    deltas_.emplace(region, std::move(delta));
}

void ApplyRowDelta(const StoreReader& store, const Window& window, std::uint32_t region,
                   const SparseDelta& d, float* dst) {
  const float* scale = store.MotifScale(window.celltype).data();
  const MotifRows& rows = store.Motifs(window.chrom);
  const std::size_t row = static_cast<std::size_t>(region - rows.first_id) * store.num_motifs();
  for (std::size_t k = 0; k < d.features.size(); ++k) {
    const std::size_t j = d.features[k];
    const float raw =
        rows.dtype == MotifDtype::kFloat16 ? HalfToFloat(rows.half[row + j]) : rows.full[row + j];
    dst[j] = std::min((raw + d.deltas[k]) * scale[j], 1.0f);
  }
}

void GenotypeOverlay::Apply(Batch* batch) const {
  if (deltas_.empty()) return;
  for (std::size_t slot = 0; slot < batch->size; ++slot) ApplyToSlot(batch, slot);
}

void GenotypeOverlay::ApplyToSlot(Batch* batch, std::size_t slot) const {
  const std::size_t w = batch->window_size, f = batch->num_features;
  for (std::size_t r = 0; r < w; ++r) {
    const auto it = deltas_.find(batch->region_ids[slot * w + r]);
    if (it == deltas_.end()) continue;
    // Only the person's changed features differ from what the assembler wrote.
    ApplyRowDelta(store_, batch->windows[slot], it->first, it->second,
                  batch->features.data() + (slot * w + r) * f);
  }
}

bool GenotypeOverlay::Changes(const Batch& batch, std::size_t slot) const {
  const std::size_t w = batch.window_size;
  for (std::size_t r = 0; r < w; ++r)
    if (deltas_.count(batch.region_ids[slot * w + r])) return true;
  return false;
}

}  // namespace getps
