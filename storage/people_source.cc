#include "storage/people_source.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "common/error.h"
#include "storage/store_reader.h"

namespace getps {
namespace {

constexpr float kNan = std::numeric_limits<float>::quiet_NaN();

// One person's labels per TSS entry: the sum of their values of the genes
// there; NaN (keep the reference's) for a strand without a gene, or with a
// gene they lack a value for.
std::unordered_map<std::uint32_t, std::array<float, 2>> PersonLabels(
    const std::vector<GeneRecord>& genes, const std::vector<float>& values) {
  struct Sum {
    std::array<float, 2> value{0, 0};
    std::array<bool, 2> labelled{false, false}, missing{false, false};
  };
  std::unordered_map<std::uint32_t, Sum> sums;
  for (std::size_t g = 0; g < genes.size(); ++g) {
    if (genes[g].region_id < 0) continue;
    Sum& sum = sums[static_cast<std::uint32_t>(genes[g].region_id)];
    const std::size_t s = genes[g].strand == '-' ? 1 : 0;
    sum.labelled[s] = true;
    if (std::isnan(values[g]))
      sum.missing[s] = true;
    else
      sum.value[s] += values[g];
  }
  std::unordered_map<std::uint32_t, std::array<float, 2>> out;
  for (const auto& [region, sum] : sums)
    for (std::size_t s = 0; s < 2; ++s)
      out[region][s] = sum.labelled[s] && !sum.missing[s] ? sum.value[s] : kNan;
  return out;
}

}  // namespace

PeopleSource::PeopleSource(const StoreReader& store, const GenotypeReader& genotypes)
    : genotypes_(genotypes), min_acpm_(store.metadata().min_acpm) {
  genotypes.RequireStore(store);
  const auto& meta = genotypes.metadata();
  const std::size_t n = meta.individuals.size();
  overlays_.reserve(n);
  for (std::size_t k = 0; k < n; ++k)
    overlays_.emplace_back(store, genotypes, static_cast<std::uint16_t>(k));
  const std::vector<GeneRecord> genes = store.Genes();
  labels_.resize(store.celltypes().size());
  for (std::size_t c = 0; c < store.celltypes().size(); ++c) {
    const auto ct = static_cast<std::uint16_t>(c);
    if (genotypes.Expression(ct, 0).empty()) continue;
    celltypes_.push_back(static_cast<int>(c));
    for (std::size_t k = 0; k < n; ++k)
      labels_[c].push_back(
          PersonLabels(genes, genotypes.Expression(ct, static_cast<std::uint16_t>(k))));
  }
  if (celltypes_.empty())
    throw Error(ErrorCode::kInvalidArgument,
                genotypes.path() +
                    ": no per-person expression (genotypes import --expression-individuals)");
}

void PeopleSource::Apply(Batch* batch, std::size_t slot) const {
  const Window& w = batch->windows[slot];
  if (w.individual >= overlays_.size())
    throw Error(ErrorCode::kOutOfRange, "window of individual " + std::to_string(w.individual) +
                                            ", but " + genotypes_.path() + " has " +
                                            std::to_string(overlays_.size()));
  const auto& of_celltype = labels_.at(w.celltype);
  if (of_celltype.empty())
    throw Error(ErrorCode::kInvalidArgument, "cell type " + std::to_string(w.celltype) +
                                                 " has no per-person expression in " +
                                                 genotypes_.path());
  overlays_[w.individual].ApplyToSlot(batch, slot);
  const Labels& labels = of_celltype[w.individual];
  const std::size_t size = batch->window_size;
  for (std::size_t r = 0; r < size; ++r) {
    const auto it = labels.find(batch->region_ids[slot * size + r]);
    if (it == labels.end()) continue;
    const std::size_t at = slot * size + r;
    // The featurizer keeps a label where !(logCPM < min_acpm), in this precision.
    const bool accessible = static_cast<double>(batch->atac[at]) >= min_acpm_;
    for (int s = 0; s < 2; ++s) {
      const float person = it->second[static_cast<std::size_t>(s)];
      float& label = batch->expression[at * 2 + static_cast<std::size_t>(s)];
      if (std::isnan(person)) continue;  // the reference's label stays
      if (min_acpm_ >= 0)
        label = accessible ? person : 0.0f;
      else if (label != 0)
        label = person;
    }
  }
}

}  // namespace getps
