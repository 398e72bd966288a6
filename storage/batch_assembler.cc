#include "storage/batch_assembler.h"

#include <algorithm>
#include <cstdint>

#include "common/error.h"
#include "common/fp16.h"
#include "storage/people_source.h"
#include "storage/store_reader.h"

namespace getps {

BatchAssembler::BatchAssembler(const StoreReader& store, const BatchAssemblerOptions& options)
    : store_(store),
      options_(options),
      num_features_(static_cast<std::uint32_t>(store.num_motifs() + 1)) {
  if (options.window_size == 0)
    throw Error(ErrorCode::kInvalidArgument, "window size must be positive");
}

void BatchAssembler::Assemble(std::span<const Window> windows, Batch* out) const {
  const std::size_t b = windows.size(), w = options_.window_size;
  out->size = b;
  out->window_size = options_.window_size;
  out->num_features = num_features_;
  // resize() never shrinks capacity, so a reused Batch stops allocating.
  out->features.resize(b * w * num_features_);
  out->expression.resize(b * w * 2);
  out->tss_mask.resize(b * w * 2);
  out->atac.resize(b * w);
  out->region_ids.resize(b * w);
  out->windows.assign(windows.begin(), windows.end());
  for (std::size_t i = 0; i < b; ++i) {
    AssembleWindow(windows[i], out, i);
    if (windows[i].individual == kReferenceIndividual) continue;
    if (!options_.people)
      throw Error(ErrorCode::kInvalidArgument,
                  "a window of individual " + std::to_string(windows[i].individual) +
                      " but no genotype store to take the person's features from");
    options_.people->Apply(out, i);
  }
}

void BatchAssembler::AssembleWindow(const Window& win, Batch* out, std::size_t slot) const {
  const std::uint32_t w = options_.window_size;
  const std::size_t m = store_.num_motifs(), f = num_features_;
  if (win.celltype >= store_.celltypes().size() ||
      win.chrom >= store_.regions().chromosomes().size()) {
    throw Error(ErrorCode::kOutOfRange, "window names cell type " + std::to_string(win.celltype) +
                                            " / chromosome " + std::to_string(win.chrom) +
                                            ", which the store does not have");
  }
  const AccessibleRegions& acc = store_.Accessible(win.celltype, win.chrom);
  if (static_cast<std::size_t>(win.first) + w > acc.size()) {
    throw Error(ErrorCode::kOutOfRange, "window at index " + std::to_string(win.first) + " of " +
                                            store_.celltypes()[win.celltype].name + " on " +
                                            store_.regions().chromosomes()[win.chrom].name +
                                            " needs " + std::to_string(w) + " regions but only " +
                                            std::to_string(acc.size()) + " are accessible there");
  }
  const MotifRows& rows = store_.Motifs(win.chrom);
  const float* scale = store_.MotifScale(win.celltype).data();

  float* feat = out->features.data() + slot * w * f;
  float* exp = out->expression.data() + slot * w * 2;
  float* tss = out->tss_mask.data() + slot * w * 2;
  float* atac = out->atac.data() + slot * w;
  std::uint32_t* ids = out->region_ids.data() + slot * w;

  float atac_max = 0;
  for (std::uint32_t r = 0; r < w; ++r) {
    const std::size_t k = win.first + r;
    const std::uint32_t id = acc.ids[k];
    const std::size_t row = static_cast<std::size_t>(id - rows.first_id) * m;
    float* dst = feat + static_cast<std::size_t>(r) * f;
    if (rows.dtype == MotifDtype::kFloat16) {
      HalfToFloatScaledClippedN(rows.half.data() + row, scale, dst, m);
    } else {
      const float* src = rows.full.data() + row;
      for (std::size_t j = 0; j < m; ++j) dst[j] = std::min(src[j] * scale[j], 1.0f);
    }
    ids[r] = id;
    atac[r] = acc.logcpm[k];
    atac_max = std::max(atac_max, acc.logcpm[k]);
    exp[2 * r] = acc.expression[2 * k];
    exp[2 * r + 1] = acc.expression[2 * k + 1];
    tss[2 * r] = acc.tss[2 * k];
    tss[2 * r + 1] = acc.tss[2 * k + 1];
  }
  const bool binary = options_.atac == AtacMode::kBinary;
  for (std::uint32_t r = 0; r < w; ++r) {
    feat[static_cast<std::size_t>(r) * f + m] =
        binary ? 1.0f : (atac_max > 0 ? atac[r] / atac_max : 0.0f);
  }
}

}  // namespace getps
