// Featurize: inputs in their standard formats -> a feature store.
//   peaks (BED/narrowPeak)      -> the store's regions (sorted, checked)
//   genome + motif set          -> per region, per feature: the sum of
//                                  non-overlapping best matches (scanned once,
//                                  shared by all cell types)
//   fragments or BAM (+ barcodes), or a count matrix
//                               -> per cell type counts and logCPM;
//                                  cell types below --min-cells or
//                                  --min-library are skipped with a message;
//                                  several samples are counted with their
//                                  own barcodes and summed (sample_inputs.h)
//   GTF or TSS BED + expression -> per region and strand: TSS flags and
//     (a table, or RNA counts      expression (sum over the genes whose TSS
//     pseudobulked per cell type)  falls in the region; 0 where the region's
//                                  logCPM < min_acpm)
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "featurizer/accessibility.h"
#include "featurizer/genome.h"
#include "featurizer/peaks.h"
#include "featurizer/pseudobulk.h"
#include "featurizer/region_scan.h"
#include "featurizer/sample_inputs.h"
#include "featurizer/batch_scanner.h"
#include "storage/store_metadata.h"

namespace getps {

class StageTimes;

struct FeaturizeOptions {
  std::string out;
  bool overwrite = false;
  std::string peaks;
  OverlapPolicy overlaps = OverlapPolicy::kError;
  std::map<std::string, std::string> chrom_map;  // peak chromosome -> genome sequence name
  std::vector<Sample> samples;                   // each one's fragments or BAM; empty with `counts`
  ReadsFormat reads = ReadsFormat::kFragments;
  SampleBarcodes sample_barcodes = kDefaultSampleBarcodes;
  std::string barcodes, counts;
  BarcodeColumns barcode_columns;
  std::string single_celltype = "all";  // fragments without a barcode table
  CountMode count_mode = CountMode::kFragments;
  double logcpm_scale = 1e6;
  std::int64_t min_cells = 600;
  double min_library = 0;
  std::string gtf, tss_bed, expression;
  bool log_expression = false;
  std::string rna;  // one RNA matrix for all samples (.h5, .h5ad); or the samples' own
  PseudobulkOptions rna_options;
  double min_acpm = 0.05;
  std::string genome_build;
  MotifDtype dtype = MotifDtype::kFloat16;
  int threads = 0;
  std::string device = "cpu";  // or cuda[:N]: the LibTorch conv1d scan
  TorchScanOptions device_scan;
  BatchScannerMaker device_scanner = nullptr;  // required when IsDeviceScan(device)
  bool progress = true;
  std::vector<std::string> checksum_inputs;  // recorded in the store's metadata
};

// Writes the store at options.out. Throws Error naming the file, line and
// problem on bad input; the store is left marked unfinished on failure.
// Times its stages into `stages` (not null; it may hold the caller's earlier
// ones, e.g. opening the genome) and logs them with the peak memory at the
// end.
void Featurize(const FeaturizeOptions& options, const Genome& genome, const MotifSet& motifs,
               StageTimes* stages);

// Whether the labels come from RNA matrices (one for all samples, or the
// samples' own).
bool HasRna(const FeaturizeOptions& options);

// "crc32:89abcdef size:1234" of a file's bytes.
std::string FileChecksum(const std::string& path);

// Reads a two-column TSV "peak_chrom<TAB>genome_chrom".
std::map<std::string, std::string> ReadChromMap(const std::string& path);

}  // namespace getps
