#include "storage/synthetic_store.h"

#include <cmath>
#include <cstdint>
#include <cstdio>

#include "common/progress.h"
#include "common/random.h"

namespace getps {
namespace {

// GRCh38 chromosome lengths in Mb, chr1..chr22, chrX.
constexpr double kChromMb[] = {248.9, 242.2, 198.3, 190.2, 181.5, 170.8, 159.3, 145.1,
                               138.4, 133.8, 135.1, 133.3, 114.4, 107.0, 102.0, 90.3,
                               83.3,  80.4,  58.6,  64.4,  46.7,  50.8,  156.0};

}  // namespace

std::vector<Region> SyntheticRegions(std::uint32_t count, std::uint64_t seed) {
  Rng rng(MixSeed(seed, 0x5e610));
  double total = 0;
  for (double mb : kChromMb) total += mb;
  std::vector<Region> regions;
  regions.reserve(count);
  std::uint32_t assigned = 0;
  const std::size_t nchrom = std::size(kChromMb);
  for (std::size_t c = 0; c < nchrom; ++c) {
    std::uint32_t n = c + 1 == nchrom
                          ? count - assigned
                          : static_cast<std::uint32_t>(std::floor(count * kChromMb[c] / total));
    assigned += n;
    std::string name = c == 22 ? "chrX" : "chr" + std::to_string(c + 1);
    std::uint32_t pos = 10000;
    for (std::uint32_t i = 0; i < n; ++i) {
      pos += 300 + static_cast<std::uint32_t>(rng.Below(19700));
      std::uint32_t width = 200 + static_cast<std::uint32_t>(rng.Below(1300));
      regions.push_back({name, pos, pos + width});
      pos += width;
    }
  }
  return regions;
}

void WriteSyntheticStore(const std::string& path, std::vector<Region> regions,
                         const SyntheticStoreOptions& o, const StoreWriterOptions& writer_options) {
  StoreMetadata meta;
  for (std::uint32_t j = 0; j < o.num_motifs; ++j) {
    char name[32];
    std::snprintf(name, sizeof name, "motif_%03u", j);
    meta.feature_names.push_back(name);
  }
  meta.genome_build = "synthetic";
  meta.motif_dtype = o.dtype;
  meta.created_by = "getps store synth (seed " + std::to_string(o.seed) + ")";
  auto writer = StoreWriter::Create(path, std::move(meta),
                                    RegionIndex::FromUnsorted(std::move(regions)), writer_options);
  const RegionIndex& index = writer->regions();
  const std::uint32_t n = index.size();

  Rng rng(MixSeed(o.seed, 1));
  std::vector<float> row(o.num_motifs);
  ProgressMeter motif_meter("synthetic motif scores", n, "regions", o.progress);
  for (std::uint32_t id = 0; id < n; ++id) {
    for (auto& v : row)
      v = rng.Uniform() < o.motif_density ? static_cast<float>(5 + 20 * rng.Uniform()) : 0.0f;
    writer->PutMotifScores(id, row);
    motif_meter.Advance(1);
  }
  motif_meter.Finish();

  // TSS positions are genomic: the same for every cell type.
  std::vector<std::uint8_t> tss(2 * static_cast<std::size_t>(n), 0);
  for (std::uint32_t id = 0; id < n; ++id) {
    for (int s = 0; s < 2; ++s) tss[2 * id + s] = rng.Uniform() < o.tss_fraction ? 1 : 0;
  }
  std::vector<float> counts(n), logcpm(n), expression(2 * static_cast<std::size_t>(n));
  ProgressMeter ct_meter("synthetic cell types", o.num_celltypes, "cell types", o.progress);
  for (std::uint32_t ct = 0; ct < o.num_celltypes; ++ct) {
    Rng ct_rng(MixSeed(o.seed, 1000 + ct));
    double total = 0;
    for (std::uint32_t id = 0; id < n; ++id) {
      counts[id] = ct_rng.Uniform() < o.accessible_fraction
                       ? static_cast<float>(1 + ct_rng.Below(60))
                       : 0.0f;
      total += counts[id];
    }
    for (std::uint32_t id = 0; id < n; ++id) {
      logcpm[id] = total > 0 ? static_cast<float>(std::log10(counts[id] / total * 1e6 + 1)) : 0.0f;
      for (int s = 0; s < 2; ++s) {
        expression[2 * id + s] = tss[2 * id + s] ? static_cast<float>(3 * ct_rng.Uniform()) : 0.0f;
      }
    }
    CellTypeInfo info;
    info.name = "celltype_" + std::to_string(ct);
    info.source = "synthetic";
    info.cell_count = 1000;
    info.library_size = total;
    info.has_expression = true;
    writer->AddCellType(info, {counts, logcpm, expression, tss});
    ct_meter.Advance(1);
  }
  ct_meter.Finish();

  // One gene per TSS, named after its region id and strand.
  for (std::uint32_t id = 0; id < n; ++id) {
    for (int s = 0; s < 2; ++s) {
      if (!tss[2 * id + s]) continue;
      GeneRecord g;
      g.name = "GENE" + std::to_string(id) + (s == 0 ? "P" : "M");
      g.chrom = index.chromosomes()[static_cast<std::size_t>(index.ChromosomeOf(id))].name;
      g.tss = (index.start(id) + index.end(id)) / 2;
      g.strand = s == 0 ? '+' : '-';
      writer->AddGene(g);
    }
  }
  writer->Finish();
}

}  // namespace getps
