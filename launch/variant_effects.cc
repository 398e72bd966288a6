#include "launch/variant_effects.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <unordered_map>

#include "common/atomic_file.h"
#include "common/progress.h"

namespace getps::cli {
namespace {

// Every allele's regions and deltas, by variant id.
struct AlleleTable {
  std::vector<GenotypeVariant> variants;
  std::vector<GenotypeReader::RegionAllele> deltas;  // by region, then variant
  std::vector<std::vector<const GenotypeReader::RegionAllele*>> of_variant;
  std::unordered_map<std::uint32_t, std::vector<const GenotypeReader::RegionAllele*>> of_region;

  explicit AlleleTable(const GenotypeReader& g) : deltas(g.AllAlleleDeltas()) {
    for (std::uint32_t id = 0; id < g.NumVariants(); ++id) variants.push_back(*g.Variant(id));
    of_variant.resize(variants.size());
    for (const auto& d : deltas) {
      of_variant.at(d.variant).push_back(&d);
      of_region[d.region].push_back(&d);
    }
  }
  bool Changes(std::uint32_t variant) const {
    for (const auto* d : of_variant[variant])
      if (!d->delta.empty()) return true;
    return false;
  }
};

std::string FeaturesChanged(const StoreReader& store,
                            const std::vector<const GenotypeReader::RegionAllele*>& deltas) {
  std::vector<std::pair<float, std::string>> all;
  for (const auto* d : deltas)
    for (std::size_t k = 0; k < d->delta.features.size(); ++k)
      all.emplace_back(d->delta.deltas[k], store.metadata().feature_names[d->delta.features[k]]);
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return std::abs(a.first) > std::abs(b.first);
  });
  std::ostringstream out;
  out << std::showpos;
  for (std::size_t i = 0; i < all.size(); ++i)
    out << (i ? "," : "") << all[i].second << ":" << all[i].first;
  return all.empty() ? "." : out.str();
}

// The first columns of an allele's row in cell type `ct`.
void RowStart(std::ostream& out, const StoreReader& store, const GenotypeVariant& v, int ct,
              const std::string& status) {
  out << v.chrom << ":" << v.pos + 1 << ":" << v.ref << ":" << v.alt << "\t" << v.chrom << "\t"
      << v.pos + 1 << "\t" << v.ref << "\t" << v.alt << "\t"
      << store.celltypes()[static_cast<std::size_t>(ct)].name << "\t" << status;
}

bool Accessible(const StoreReader& store, int ct, std::uint32_t region) {
  const int chrom = store.regions().ChromosomeOf(region);
  const auto& ids = store.Accessible(ct, chrom).ids;
  return std::binary_search(ids.begin(), ids.end(), region);
}

// Why allele `id` has no scored row in cell type `ct`.
std::string StatusOf(const VariantEffectRun& run, const AlleleTable& t, std::uint32_t id, int ct) {
  const GenotypeVariant& v = t.variants[id];
  if (!v.status.empty()) return v.status;
  if (!t.Changes(id)) return "no_motif_change";
  for (const auto* d : t.of_variant[id])
    if (Accessible(*run.store, ct, d->region)) return "in_no_gene_window";
  return "region_not_accessible";
}

}  // namespace

std::map<std::string, std::size_t> WriteVariantEffects(const VariantEffectRun& run,
                                                       const std::string& out) {
  const StoreReader& store = *run.store;
  const AlleleTable table(*run.alleles);
  VariantScorer scorer(*run.model, store, run.device, run.options);
  // rows[variant][celltype slot]: the scored rows, in gene order.
  std::vector<std::vector<std::string>> rows(table.variants.size() * run.celltypes.size());
  std::unordered_map<int, std::size_t> slot_of;
  for (std::size_t i = 0; i < run.celltypes.size(); ++i) slot_of[run.celltypes[i]] = i;

  ProgressMeter meter("variant-effect", static_cast<std::int64_t>(run.tasks.size()), "genes",
                      !run.quiet);
  for (const GeneTask& task : run.tasks) {
    meter.Advance(1);
    const auto& ids = store.Accessible(task.celltype, task.window.window.chrom).ids;
    std::vector<AlleleChange> changes;
    std::unordered_map<std::uint32_t, std::size_t> change_of;
    for (std::uint32_t r = 0; r < kRegionsPerWindow; ++r) {
      const std::uint32_t region = ids[task.window.window.first + r];
      const auto it = table.of_region.find(region);
      if (it == table.of_region.end()) continue;
      for (const auto* d : it->second) {
        if (!table.Changes(d->variant)) continue;
        const auto [c, added] = change_of.emplace(d->variant, changes.size());
        if (added) changes.push_back({d->variant, {}});
        changes[c->second].regions.emplace_back(region, &d->delta);
      }
    }
    if (changes.empty()) continue;
    const std::vector<AlleleEffect> effects = scorer.Score(task, changes);
    for (std::size_t c = 0; c < changes.size(); ++c) {
      const std::uint32_t id = changes[c].variant;
      const std::uint32_t region = changes[c].regions.front().first;
      const AlleleEffect& e = effects[c];
      const double delta = static_cast<double>(e.alt) - e.ref;
      std::ostringstream row;
      RowStart(row, store, table.variants[id], task.celltype, "scored");
      row << "\t" << store.regions().Describe(region) << "\t" << task.gene.name << "\t"
          << DistanceToTss(task.gene, store.regions().start(region), store.regions().end(region))
          << "\t" << e.ref << "\t" << e.alt << "\t" << delta << "\t"
          << 100.0 * (std::pow(10.0, delta) - 1.0) << "\t" << e.grad_x_delta << "\t"
          << FeaturesChanged(store, table.of_variant[id]);
      rows[id * run.celltypes.size() + slot_of.at(task.celltype)].push_back(row.str());
    }
  }
  meter.Finish();

  std::map<std::string, std::size_t> counts;
  std::ostringstream text;
  text << "variant\tchrom\tpos\tref\talt\tcelltype\tstatus\tregion\tgene\tdistance_to_tss\t"
          "ref_pred\talt_pred\tdelta\tpercent\tgrad_x_delta\tfeatures_changed\n";
  for (std::uint32_t id = 0; id < table.variants.size(); ++id) {
    for (std::size_t s = 0; s < run.celltypes.size(); ++s) {
      const auto& scored = rows[id * run.celltypes.size() + s];
      for (const auto& row : scored) text << row << "\n";
      counts["scored"] += scored.size();
      if (!scored.empty()) continue;
      const int ct = run.celltypes[s];
      const std::string status = StatusOf(run, table, id, ct);
      ++counts[status];
      const GenotypeVariant& v = table.variants[id];
      RowStart(text, store, v, ct, status);
      text << "\t" << (v.region == kNoRegion ? "." : store.regions().Describe(v.region))
           << "\t.\t.\t.\t.\t.\t.\t.\t" << FeaturesChanged(store, table.of_variant[id]) << "\n";
    }
  }
  WriteFileAtomically(out, text.str());
  return counts;
}

}  // namespace getps::cli
