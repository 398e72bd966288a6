// Accessibility counts per region and cell type, from
//   - 10x fragments files (chrom, start, end, barcode[, count]; optional '#'
//     header; plain, gzip or BGZF; ANY order: the file is streamed once and
//     needs no index), with a barcode -> cell type table; or
//   - a ready count matrix (TSV: chrom, start, end, then one column per cell
//     type, with a header naming them).
// Counting (CountMode::kFragments) follows `bedtools intersect -c`: a
// fragment counts once for every region it overlaps by >= 1 bp.
// CountMode::kInsertions counts Tn5 cut sites instead: start and end - 1.
// The library size of a cell type is every fragment (or insertion) of its
// barcodes, in peaks or not.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "featurizer/barcode_table.h"
#include "storage/region_index.h"

namespace getps {

enum class CountMode { kFragments, kInsertions };

struct AccessibilityCounts {
  std::vector<std::string> celltypes;
  std::vector<std::int64_t> cells;         // per cell type (0 when unknown)
  std::vector<double> library_size;        // per cell type
  std::vector<std::vector<float>> counts;  // [cell type][region id]
  int parts = 1;  // how many parts (threads) a BGZF fragments file was counted in
};

// How CountFragments and CountBam count.
struct CountOptions {
  CountMode mode = CountMode::kFragments;
  std::string single_celltype = "all";  // the one column when there is no barcode table
  bool progress = false;
  // Threads in all, the calling one included: with n > 1, n - 1 threads of
  // htslib's pool decompress a BGZF file or a BAM while the caller counts;
  // 0 or 1: the caller does both. Plain gzip is always read by the caller.
  int threads = 0;
};

// `barcodes` may be null: every fragment then belongs to one cell type named
// `options.single_celltype`. Fragments on chromosomes without regions count
// toward the library size only; fragments of unknown barcodes are ignored.
AccessibilityCounts CountFragments(const std::string& path, const RegionIndex& regions,
                                   const BarcodeTable* barcodes, const CountOptions& options);

AccessibilityCounts CountBam(const std::string& path, const RegionIndex& regions,
                             const BarcodeTable* barcodes, const CountOptions& options);

// The same from a BAM/SAM/CRAM of ATAC reads (any order, no index needed):
// unmapped, secondary, supplementary, duplicate and QC-failed records are
// skipped; a proper pair counts once, as the fragment [pos, pos + TLEN) of
// its leftmost mate; other reads count their aligned span. The cell barcode
// is the CB tag (records without one are ignored when a barcode table is
// given).
AccessibilityCounts CountBam(const std::string& path, const RegionIndex& regions,
                             const BarcodeTable* barcodes, const CountOptions& options);

// Every matrix row must name a region of `regions` exactly.
AccessibilityCounts ReadCountMatrix(const std::string& path, const RegionIndex& regions);

// log10(count / library_size * scale + 1)
float LogCpm(double count, double library_size, double scale);

}  // namespace getps
