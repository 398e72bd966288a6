#include "featurizer/featurize.h"

#include <zlib.h>
#include <cstdint>

#include <cstdio>
#include <fstream>
#include <memory>
#include <set>

#include "common/error.h"
#include "common/log.h"
#include "common/parallel.h"
#include "common/stage_times.h"
#include "featurizer/annotation.h"
#include "featurizer/cluster_scores.h"
#include "featurizer/text_reader.h"
#include "storage/store_writer.h"

namespace getps {
namespace {

// Checks every peak's chromosome exists in the genome (after the map) and
// the peak lies inside it; returns the peaks with genome names.
std::vector<Region> ToGenomeCoordinates(const std::vector<Region>& peaks, const Genome& genome,
                                        const std::map<std::string, std::string>& chrom_map,
                                        const std::string& peaks_path) {
  std::vector<Region> out = peaks;
  std::set<std::string> checked;
  for (auto& r : out) {
    auto it = chrom_map.find(r.chrom);
    const std::string name = it == chrom_map.end() ? r.chrom : it->second;
    if (checked.insert(name).second && !genome.Has(name)) {
      std::string have;
      auto names = genome.Names();
      for (std::size_t i = 0; i < names.size() && i < 8; ++i) have += (i ? ", " : "") + names[i];
      throw Error(ErrorCode::kNotFound,
                  peaks_path + ": peak chromosome '" + r.chrom + "' is not in genome " +
                      genome.path() + " (it has: " + have + (names.size() > 8 ? ", ..." : "") +
                      "); give a --chrom-map");
    }
    if (r.end > genome.Length(name)) {
      throw Error(ErrorCode::kOutOfRange,
                  peaks_path + ": peak " + r.chrom + ":" + std::to_string(r.start) + "-" +
                      std::to_string(r.end) + " ends past " + name + " (length " +
                      std::to_string(genome.Length(name)) + ")");
    }
    r.chrom = name;
  }
  return out;
}

SampleInputs Samples(const FeaturizeOptions& o, const BarcodeTable* barcodes) {
  return {o.samples, o.reads, o.sample_barcodes, barcodes, o.barcodes};
}

AccessibilityCounts LoadAccessibility(const FeaturizeOptions& o, const RegionIndex& regions,
                                      const BarcodeTable* barcodes) {
  if (!o.counts.empty()) return ReadCountMatrix(o.counts, regions);
  if (o.samples.empty())
    throw Error(ErrorCode::kInvalidArgument, "featurize needs --fragments, --bam or --counts");
  const CountOptions count{o.count_mode, o.single_celltype, o.progress, ResolveThreads(o.threads)};
  return CountSamples(Samples(o, barcodes), regions, count);
}

}  // namespace

bool HasRna(const FeaturizeOptions& o) {
  if (!o.rna.empty()) return true;
  for (const Sample& s : o.samples)
    if (!s.rna.empty()) return true;
  return false;
}

std::string FileChecksum(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIOError, "cannot read " + path);
  std::vector<char> buf(1 << 20);
  uLong crc = crc32(0L, Z_NULL, 0);
  std::uint64_t size = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<uInt>(in.gcount());
    crc = crc32(crc, reinterpret_cast<const Bytef*>(buf.data()), n);
    size += n;
  }
  char out[64];
  std::snprintf(out, sizeof out, "crc32:%08lx size:%llu", crc,
                static_cast<unsigned long long>(size));
  return out;
}

std::map<std::string, std::string> ReadChromMap(const std::string& path) {
  TextReader in(path);
  std::map<std::string, std::string> map;
  std::string_view line;
  while (in.Next(&line)) {
    if (line.empty() || line[0] == '#') continue;
    std::string_view f[3];
    if (SplitFields(line, '\t', f, 3) != 2) {
      throw Error(ErrorCode::kInvalidArgument,
                  in.Where() + "expected 'peak_chrom<TAB>genome_chrom'");
    }
    map[std::string(f[0])] = std::string(f[1]);
  }
  return map;
}

namespace {

// The cell types with enough cells and reads (--min-cells, --min-library).
std::vector<std::size_t> KeptCellTypes(const AccessibilityCounts& acc, const FeaturizeOptions& o) {
  std::vector<std::size_t> kept;
  for (std::size_t c = 0; c < acc.celltypes.size(); ++c) {
    if (acc.cells[c] > 0 && acc.cells[c] < o.min_cells) {
      LogWarning("skipping cell type " + acc.celltypes[c] + ": " + std::to_string(acc.cells[c]) +
                 " cells < --min-cells " + std::to_string(o.min_cells));
    } else if (acc.library_size[c] <= 0 || acc.library_size[c] < o.min_library) {
      LogWarning("skipping cell type " + acc.celltypes[c] + ": library size " +
                 std::to_string(acc.library_size[c]) + " < --min-library " +
                 std::to_string(o.min_library));
    } else {
      kept.push_back(c);
    }
  }
  if (kept.empty())
    throw Error(ErrorCode::kInvalidArgument, "featurize: every cell type was skipped (see above)");
  return kept;
}

std::unique_ptr<StoreWriter> CreateStore(const FeaturizeOptions& o, const MotifSet& motifs,
                                         const RegionIndex& regions) {
  StoreMetadata meta;
  meta.feature_names = motifs.feature_names;
  meta.genome_build = o.genome_build;
  meta.motif_dtype = o.dtype;
  meta.logcpm_scale = o.logcpm_scale;
  meta.min_acpm = o.min_acpm;
  meta.created_by = "getps featurize";
  for (const auto& path : o.checksum_inputs) meta.input_checksums[path] = FileChecksum(path);
  StoreWriterOptions wo;
  wo.overwrite = o.overwrite;
  wo.progress = o.progress;
  return StoreWriter::Create(o.out, meta, regions, wo);
}

std::unique_ptr<BatchScanner> MakeDeviceScanner(const FeaturizeOptions& o,
                                                const std::vector<Pssm>& pssms) {
  if (o.device_scanner == nullptr)  // the caller checks before the store exists
    throw Error(ErrorCode::kInternal, "--device " + o.device + " needs a LibTorch scanner");
  return o.device_scanner(pssms, o.device, o.device_scan);
}

// Every region's motif-cluster scores (the SIMD scanner, or the LibTorch
// one on --device).
void WriteMotifScores(const FeaturizeOptions& o, const Genome& genome, const MotifSet& motifs,
                      const std::vector<Region>& regions_in_genome, StoreWriter& writer) {
  MotifScanner scanner(motifs.pssms);
  std::unique_ptr<BatchScanner> device_scanner;
  if (IsDeviceScan(o.device)) device_scanner = MakeDeviceScanner(o, motifs.pssms);
  std::vector<float> row(motifs.feature_names.size());
  std::vector<MotifMatch> scratch;
  ScanRegions(
      genome, regions_in_genome, scanner, o.threads,
      [&](std::size_t id, std::span<const MotifMatch> found) {
        ClusterScores(found, motifs.pssms, motifs.feature_of_pssm, row, &scratch);
        writer.PutMotifScores(static_cast<std::uint32_t>(id), row);
      },
      o.progress, device_scanner.get());
}

// Genes, the region holding each one's TSS (-1: none), and the TSS flags
// per region and strand.
struct GeneRegions {
  std::vector<GeneTss> genes;
  std::vector<std::int64_t> region_of_gene;
  std::vector<std::uint8_t> tss;  // [2 * region + strand]
};

GeneRegions LocateGenes(const FeaturizeOptions& o, const RegionIndex& regions) {
  GeneRegions out;
  if (!o.gtf.empty()) out.genes = ReadGtfTss(o.gtf);
  if (!o.tss_bed.empty()) out.genes = ReadTssBed(o.tss_bed);
  out.tss.assign(2 * regions.size(), 0);
  out.region_of_gene.assign(out.genes.size(), -1);
  for (std::size_t g = 0; g < out.genes.size(); ++g) {
    const GeneTss& gene = out.genes[g];
    const int chrom = regions.FindChromosome(gene.chrom);
    if (chrom < 0) continue;
    auto [first, last] = regions.Overlapping(chrom, gene.tss, gene.tss + 1);
    if (first == last) continue;
    out.region_of_gene[g] = first;
    out.tss[2 * first + (gene.strand == '-' ? 1 : 0)] = 1;
  }
  return out;
}

// The expression table's column of cell type `name` (-1: none; the one
// column when there is one cell type of each).
int ExpressionColumn(const ExpressionTable& expression, const std::string& name, std::size_t kept) {
  int column = -1;
  for (std::size_t k = 0; k < expression.celltypes.size(); ++k)
    if (expression.celltypes[k] == name) column = static_cast<int>(k);
  if (column < 0 && expression.celltypes.size() == 1 && kept == 1) column = 0;
  return column;
}

// Cell type c's accessibility and expression labels (summed over the
// genes whose TSS is in a region, per strand; 0 where logCPM < --min-acpm).
void WriteCellType(const FeaturizeOptions& o, const AccessibilityCounts& acc, std::size_t c,
                   int column, const ExpressionTable& expression, const GeneRegions& g,
                   StoreWriter& writer) {
  const std::string& name = acc.celltypes[c];
  const std::size_t n = g.tss.size() / 2;
  std::vector<float> logcpm(n), exp(2 * n, 0.0f);
  for (std::size_t id = 0; id < n; ++id)
    logcpm[id] = LogCpm(acc.counts[c][id], acc.library_size[c], o.logcpm_scale);
  std::size_t labelled = 0;
  if (column >= 0) {
    for (std::size_t k = 0; k < g.genes.size(); ++k) {
      if (g.region_of_gene[k] < 0) continue;
      auto it = expression.of_gene.find(g.genes[k].name);
      if (it == expression.of_gene.end()) continue;
      const auto id = static_cast<std::size_t>(g.region_of_gene[k]);
      exp[2 * id + (g.genes[k].strand == '-' ? 1 : 0)] +=
          static_cast<float>(it->second[static_cast<std::size_t>(column)]);
      ++labelled;
    }
    for (std::size_t id = 0; id < n; ++id)
      if (logcpm[id] < o.min_acpm) exp[2 * id] = exp[2 * id + 1] = 0.0f;
  }
  std::string source = o.counts;
  for (const Sample& s : o.samples) source += (source.empty() ? "" : ",") + s.reads;
  CellTypeInfo info{name, source, acc.cells[c], acc.library_size[c], column >= 0};
  writer.AddCellType(info, {acc.counts[c], logcpm, exp, g.tss});
  LogInfo("cell type " + name + ": " + std::to_string(acc.cells[c]) + " cells, library " +
          std::to_string(static_cast<long long>(acc.library_size[c])) + ", " +
          std::to_string(labelled) + " genes labelled");
}

// The genes for queries: the first TSS of each name.
void WriteGenes(const std::vector<GeneTss>& genes, StoreWriter& writer) {
  std::set<std::string> seen;
  std::size_t duplicates = 0;
  for (const auto& g : genes) {
    if (!seen.insert(g.name).second) {
      ++duplicates;
      continue;
    }
    writer.AddGene({g.name, g.chrom, g.tss, g.strand, -1});
  }
  if (duplicates)
    LogWarning(std::to_string(duplicates) +
               " repeated gene names: the first TSS of each is kept for queries");
}

}  // namespace

void Featurize(const FeaturizeOptions& o, const Genome& genome, const MotifSet& motifs,
               StageTimes* stage_times) {
  StageTimes& stages = *stage_times;
  stages.Start("peaks");
  const std::vector<Region> peaks = ReadPeaks(o.peaks, o.overlaps);
  const std::vector<Region> regions_in_genome =
      ToGenomeCoordinates(peaks, genome, o.chrom_map, o.peaks);
  RegionIndex regions =
      RegionIndex::FromUnsorted(peaks);  // peaks are sorted: ids follow their order
  LogInfo("peaks: " + std::to_string(regions.size()) + " regions on " +
          std::to_string(regions.chromosomes().size()) + " chromosomes from " + o.peaks);
  stages.Start("accessibility");
  std::unique_ptr<BarcodeTable> barcodes;
  if (!o.barcodes.empty())
    barcodes = std::make_unique<BarcodeTable>(ReadBarcodeTable(o.barcodes, o.barcode_columns));
  AccessibilityCounts acc = LoadAccessibility(o, regions, barcodes.get());
  const std::vector<std::size_t> kept = KeptCellTypes(acc, o);
  // Every input is read and checked before the store is created and the
  // motif scan (the long part) starts.
  stages.Start("genes and expression");
  const GeneRegions genes = LocateGenes(o, regions);
  ExpressionTable expression;
  if (!o.expression.empty()) expression = ReadExpression(o.expression, o.log_expression);
  if (HasRna(o))
    expression = PseudobulkSamples(Samples(o, barcodes.get()), o.rna, genes.genes, o.rna_options);
  const std::string labels_from = HasRna(o) ? "the RNA" : o.expression;
  stages.Start("motif scan");
  auto writer = CreateStore(o, motifs, regions);
  WriteMotifScores(o, genome, motifs, regions_in_genome, *writer);
  stages.Start("cell types");
  for (std::size_t c : kept) {
    const int column = ExpressionColumn(expression, acc.celltypes[c], kept.size());
    if (!labels_from.empty() && column < 0)
      LogWarning("cell type " + acc.celltypes[c] + " has no column in " + labels_from +
                 ": its expression labels are zero");
    WriteCellType(o, acc, c, column, expression, genes, *writer);
  }
  WriteGenes(genes.genes, *writer);
  stages.Start("store finish");
  writer->Finish();
  stages.Stop();
  LogInfo("featurize: wrote " + o.out + "; " + stages.Summary() + "; peak memory " +
          std::to_string(PeakResidentBytes() >> 20) + " MB");
}

}  // namespace getps
