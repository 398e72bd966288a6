#include "featurizer/accessibility.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "common/error.h"
#include "common/parse.h"
#include "common/progress.h"
#include "featurizer/text_reader.h"

#include <htslib/sam.h>

namespace getps {
namespace {

std::uint32_t Coordinate(std::string_view text, const TextReader& in, const char* what) {
  std::uint32_t v = 0;
  if (!ParseUint32(text, &v)) {
    throw Error(ErrorCode::kInvalidArgument,
                in.Where() + "expected a " + what + " coordinate, got '" + std::string(text) + "'");
  }
  return v;
}

// Adds one to every region of `chrom` overlapping [start, end) (kFragments)
// or holding position `start` (an insertion: end == start + 1).
void AddOverlaps(const RegionIndex& regions, int chrom, std::uint32_t start, std::uint32_t end,
                 float* counts) {
  auto [first, last] = regions.Overlapping(chrom, start, end);
  for (std::uint32_t id = first; id < last; ++id) counts[id] += 1.0f;
}

AccessibilityCounts EmptyCounts(const RegionIndex& regions, const BarcodeTable* barcodes,
                                const std::string& single_celltype) {
  AccessibilityCounts out;
  if (barcodes) {
    out.celltypes = barcodes->celltypes;
    out.cells = barcodes->cells;
  } else {
    out.celltypes = {single_celltype};
    out.cells = {0};
  }
  out.library_size.assign(out.celltypes.size(), 0.0);
  out.counts.assign(out.celltypes.size(), std::vector<float>(regions.size(), 0.0f));
  return out;
}

// Counts one fragment [start, end) of cell type `ct` on chromosome `chrom`
// (-1: a chromosome without regions: library size only).
void Tally(const RegionIndex& regions, int chrom, std::uint32_t start, std::uint32_t end,
           std::size_t ct, CountMode mode, AccessibilityCounts* out) {
  float* counts = out->counts[ct].data();
  if (mode == CountMode::kFragments) {
    out->library_size[ct] += 1;
    if (chrom >= 0) AddOverlaps(regions, chrom, start, end, counts);
  } else {
    out->library_size[ct] += 2;
    if (chrom >= 0) {
      AddOverlaps(regions, chrom, start, start + 1, counts);
      AddOverlaps(regions, chrom, end - 1, end, counts);
    }
  }
}

}  // namespace

float LogCpm(double count, double library_size, double scale) {
  if (library_size <= 0) return 0.0f;
  return static_cast<float>(std::log10(count / library_size * scale + 1.0));
}

BarcodeTable ReadBarcodeTable(const std::string& path) {
  TextReader in(path);
  BarcodeTable t;
  std::unordered_map<std::string, std::size_t> line_of;
  std::string_view line;
  while (in.Next(&line)) {
    if (line.empty() || line[0] == '#') continue;
    std::string_view f[3];
    if (SplitFields(line, '\t', f, 3) < 2 || f[0].empty() || f[1].empty()) {
      throw Error(ErrorCode::kInvalidArgument, in.Where() + "expected 'barcode<TAB>celltype'");
    }
    if (in.line_number() == 1 && f[0] == "barcode") continue;
    std::string barcode(f[0]), celltype(f[1]);
    int ct = -1;
    for (std::size_t i = 0; i < t.celltypes.size(); ++i) {
      if (t.celltypes[i] == celltype) ct = static_cast<int>(i);
    }
    if (ct < 0) {
      ct = static_cast<int>(t.celltypes.size());
      t.celltypes.push_back(celltype);
      t.cells.push_back(0);
    }
    auto [it, inserted] = t.celltype_of.emplace(barcode, ct);
    if (!inserted) {
      throw Error(ErrorCode::kInvalidArgument,
                  in.Where() + "barcode " + barcode + " already listed on line " +
                      std::to_string(line_of[barcode]) +
                      (it->second == ct ? " (duplicate)"
                                        : " under cell type " +
                                              t.celltypes[static_cast<std::size_t>(it->second)] +
                                              "; a barcode belongs to one cell type"));
    }
    line_of[barcode] = in.line_number();
    ++t.cells[static_cast<std::size_t>(ct)];
  }
  if (t.celltypes.empty()) throw Error(ErrorCode::kInvalidArgument, path + ": no barcodes");
  return t;
}

AccessibilityCounts CountFragments(const std::string& path, const RegionIndex& regions,
                                   const BarcodeTable* barcodes, const CountOptions& options) {
  AccessibilityCounts out = EmptyCounts(regions, barcodes, options.single_celltype);
  TextReader in(path, options.threads);
  std::string_view line;
  std::string last_chrom;
  int last_chrom_index = -1;
  ProgressMeter meter("count " + path, -1, "fragments", options.progress);
  while (in.Next(&line)) {
    if (line.empty() || line[0] == '#') continue;
    std::string_view f[6];
    const std::size_t n = SplitFields(line, '\t', f, 6);
    if (n < 4) {
      throw Error(
          ErrorCode::kInvalidArgument,
          in.Where() + "expected a fragment: chrom, start, end, barcode[, count] (tab-separated)");
    }
    const std::uint32_t start = Coordinate(f[1], in, "start");
    const std::uint32_t end = Coordinate(f[2], in, "end");
    if (end <= start)
      throw Error(ErrorCode::kInvalidArgument, in.Where() + "fragment end <= start");
    int ct = 0;
    if (barcodes) {
      auto it = barcodes->celltype_of.find(f[3]);
      if (it == barcodes->celltype_of.end()) continue;
      ct = it->second;
    }
    if (f[0] != last_chrom) {
      last_chrom = std::string(f[0]);
      last_chrom_index = regions.FindChromosome(last_chrom);
    }
    Tally(regions, last_chrom_index, start, end, static_cast<std::size_t>(ct), options.mode, &out);
    meter.Advance(1);
  }
  meter.Finish();
  return out;
}

AccessibilityCounts CountBam(const std::string& path, const RegionIndex& regions,
                             const BarcodeTable* barcodes, const CountOptions& options) {
  AccessibilityCounts out = EmptyCounts(regions, barcodes, options.single_celltype);
  samFile* in = sam_open(path.c_str(), "r");
  if (!in) throw Error(ErrorCode::kIOError, "cannot open " + path);
  std::unique_ptr<samFile, int (*)(samFile*)> file(in, hts_close);
  if (options.threads > 1) hts_set_threads(in, options.threads);
  std::unique_ptr<sam_hdr_t, void (*)(sam_hdr_t*)> header(sam_hdr_read(in), sam_hdr_destroy);
  if (!header)
    throw Error(ErrorCode::kInvalidArgument, path + ": not a SAM/BAM/CRAM file (no header)");
  std::vector<int> chrom_of_tid(static_cast<std::size_t>(sam_hdr_nref(header.get())));
  for (std::size_t t = 0; t < chrom_of_tid.size(); ++t) {
    chrom_of_tid[t] = regions.FindChromosome(sam_hdr_tid2name(header.get(), static_cast<int>(t)));
  }
  std::unique_ptr<bam1_t, void (*)(bam1_t*)> rec(bam_init1(), bam_destroy1);
  ProgressMeter meter("count " + path, -1, "records", options.progress);
  std::int64_t n = 0;
  int rc;
  while ((rc = sam_read1(in, header.get(), rec.get())) >= 0) {
    ++n;
    meter.Advance(1);
    const bam1_core_t& c = rec->core;
    if ((c.flag & (BAM_FUNMAP | BAM_FSECONDARY | BAM_FSUPPLEMENTARY | BAM_FDUP | BAM_FQCFAIL)) ||
        c.tid < 0) {
      continue;
    }
    std::int64_t start = c.pos, end = bam_endpos(rec.get());
    if (c.flag & BAM_FPAIRED) {
      if (!(c.flag & BAM_FPROPER_PAIR) || c.isize <= 0)
        continue;  // the leftmost mate stands for the pair
      end = c.pos + c.isize;
    }
    if (end <= start) continue;
    int ct = 0;
    if (barcodes) {
      const std::uint8_t* tag = bam_aux_get(rec.get(), "CB");
      const char* cb = tag ? bam_aux2Z(tag) : nullptr;
      if (!cb) continue;
      auto it = barcodes->celltype_of.find(std::string_view(cb));
      if (it == barcodes->celltype_of.end()) continue;
      ct = it->second;
    }
    Tally(regions, chrom_of_tid[static_cast<std::size_t>(c.tid)], static_cast<std::uint32_t>(start),
          static_cast<std::uint32_t>(end), static_cast<std::size_t>(ct), options.mode, &out);
  }
  if (rc < -1) {
    throw Error(ErrorCode::kCorruption, path + ": read error after record " + std::to_string(n) +
                                            " (truncated or damaged file?)");
  }
  meter.Finish();
  return out;
}

AccessibilityCounts ReadCountMatrix(const std::string& path, const RegionIndex& regions) {
  TextReader in(path);
  std::string_view line;
  if (!in.Next(&line)) throw Error(ErrorCode::kInvalidArgument, path + ": empty count matrix");
  AccessibilityCounts out;
  std::vector<std::string_view> header(
      static_cast<std::size_t>(std::count(line.begin(), line.end(), '\t')) + 1);
  const std::size_t n = SplitFields(line, '\t', header.data(), header.size());
  if (n < 4) {
    throw Error(ErrorCode::kInvalidArgument,
                in.Where() + "expected a header: chrom, start, end, then cell types");
  }
  for (std::size_t i = 3; i < n; ++i) out.celltypes.emplace_back(header[i]);
  const std::size_t nct = out.celltypes.size();
  out.cells.assign(nct, 0);
  out.library_size.assign(nct, 0.0);
  out.counts.assign(nct, std::vector<float>(regions.size(), 0.0f));
  std::vector<std::string_view> f(n + 1);
  while (in.Next(&line)) {
    if (line.empty()) continue;
    if (SplitFields(line, '\t', f.data(), f.size()) != n) {
      throw Error(ErrorCode::kInvalidArgument,
                  in.Where() + "expected " + std::to_string(n) + " columns");
    }
    const int chrom = regions.FindChromosome(f[0]);
    const std::uint32_t start = Coordinate(f[1], in, "start"), end = Coordinate(f[2], in, "end");
    auto [first, last] = chrom >= 0 ? regions.Overlapping(chrom, start, end)
                                    : std::pair<std::uint32_t, std::uint32_t>{0, 0};
    if (last != first + 1 || regions.start(first) != start || regions.end(first) != end) {
      throw Error(ErrorCode::kInvalidArgument, in.Where() + "row " + std::string(f[0]) + ":" +
                                                   std::string(f[1]) + "-" + std::string(f[2]) +
                                                   " is not a region of the peak set");
    }
    for (std::size_t c = 0; c < nct; ++c) {
      double v = 0;
      if (!ParseDouble(f[3 + c], &v) || !(v >= 0)) {
        throw Error(ErrorCode::kInvalidArgument, in.Where() + "count '" + std::string(f[3 + c]) +
                                                     "' for " + out.celltypes[c] +
                                                     " is not a non-negative number");
      }
      out.counts[c][first] = static_cast<float>(v);
      out.library_size[c] += v;
    }
  }
  return out;
}

}  // namespace getps
