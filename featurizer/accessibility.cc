#include "featurizer/accessibility.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <unordered_map>

#include "common/error.h"
#include "common/parallel.h"
#include "common/parse.h"
#include "common/progress.h"
#include "featurizer/bgzf_parts.h"
#include "featurizer/text_reader.h"

#include <htslib/sam.h>

namespace getps {
namespace {

std::uint32_t Coordinate(std::string_view text, const TextReader& in, const char* what) {
  std::uint32_t v = 0;
  if (!ParseUint32(text, &v)) {
    throw Error(ErrorCode::kInvalidArgument, in.Where() + "expected the " + what +
                                                 " coordinate as a number, got '" +
                                                 std::string(text) + "'");
  }
  return v;
}

// The fields of a fragments line that counting uses (a fifth column and
// more are ignored).
struct Fragment {
  std::string_view chrom, barcode;
  std::uint32_t start = 0, end = 0;
};

// Reads the digits at *p up to `stop` into *out; false unless they are 1 to
// 10 digits worth at most UINT32_MAX followed by a tab.
bool ParseTabbedUint32(const char** p, const char* stop, std::uint32_t* out) {
  const char* q = *p;
  std::uint64_t v = 0;
  while (q < stop && q - *p <= 10 && static_cast<unsigned char>(*q - '0') < 10)
    v = 10 * v + static_cast<unsigned>(*q++ - '0');
  if (q == *p || q == stop || *q != '\t' || q - *p > 10 || v > UINT32_MAX) return false;
  *out = static_cast<std::uint32_t>(v);
  *p = q + 1;
  return true;
}

// The fast path, one pass over the line: false for anything it does not
// take (then CheckedFragment reads the line again and says what is wrong).
bool ParseFragment(std::string_view line, Fragment* f) {
  const char* p = line.data();
  const char* const stop = p + line.size();
  const char* q = static_cast<const char*>(std::memchr(p, '\t', line.size()));
  if (!q) return false;
  f->chrom = std::string_view(p, static_cast<std::size_t>(q - p));
  p = q + 1;
  if (!ParseTabbedUint32(&p, stop, &f->start) || !ParseTabbedUint32(&p, stop, &f->end))
    return false;
  for (q = p; q < stop && *q != '\t';) ++q;
  f->barcode = std::string_view(p, static_cast<std::size_t>(q - p));
  return f->end > f->start;
}

// The same with every check named: returns the fragment or throws
// Error(kInvalidArgument) with the file, the line and what was expected.
Fragment CheckedFragment(std::string_view line, const TextReader& in) {
  std::string_view f[6];
  if (SplitFields(line, '\t', f, 6) < 4) {
    throw Error(
        ErrorCode::kInvalidArgument,
        in.Where() + "expected a fragment: chrom, start, end, barcode[, count] (tab-separated)");
  }
  Fragment out{f[0], f[3], Coordinate(f[1], in, "start"), Coordinate(f[2], in, "end")};
  if (out.end <= out.start)
    throw Error(ErrorCode::kInvalidArgument, in.Where() + "fragment end <= start");
  return out;
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

// Counts fragments into `out` (fragments or insertions, per `mode`). Keeps a
// lookup cursor per position kind, so a sorted stream finds its regions in
// O(1) each; any order is still counted right.
class Tally {
 public:
  Tally(const RegionIndex& regions, CountMode mode, AccessibilityCounts* out,
        const BarcodeTable* barcodes = nullptr)
      : regions_(regions), mode_(mode), out_(out), barcodes_(barcodes) {}

  // A fragments line's fragment: of cell type 0 without a barcode table;
  // false (and not counted) when its barcode is not in the table.
  bool Add(const Fragment& f) {
    int ct = 0;
    if (barcodes_) {
      ct = barcodes_->celltype_of.Find(f.barcode);
      if (ct < 0) return false;
    }
    if (f.chrom != chrom_name_) {
      chrom_name_ = std::string(f.chrom);
      chrom_ = regions_.FindChromosome(chrom_name_);
    }
    Add(chrom_, f.start, f.end, static_cast<std::size_t>(ct));
    return true;
  }

  // One fragment [start, end) of cell type `ct` on chromosome `chrom` (-1: a
  // chromosome without regions: library size only).
  void Add(int chrom, std::uint32_t start, std::uint32_t end, std::size_t ct) {
    float* counts = out_->counts[ct].data();
    if (mode_ == CountMode::kFragments) {
      out_->library_size[ct] += 1;
      if (chrom >= 0) AddOverlaps(chrom, start, end, &start_cursor_, counts);
    } else {
      out_->library_size[ct] += 2;
      if (chrom >= 0) {
        AddOverlaps(chrom, start, start + 1, &start_cursor_, counts);
        AddOverlaps(chrom, end - 1, end, &end_cursor_, counts);
      }
    }
  }

 private:
  void AddOverlaps(int chrom, std::uint32_t start, std::uint32_t end, std::uint32_t* cursor,
                   float* counts) {
    auto [first, last] = regions_.OverlappingFrom(chrom, start, end, cursor);
    for (std::uint32_t id = first; id < last; ++id) counts[id] += 1.0f;
  }

  const RegionIndex& regions_;
  const CountMode mode_;
  AccessibilityCounts* out_;
  const BarcodeTable* barcodes_;
  std::string chrom_name_;  // the last fragment's chromosome, and its index
  int chrom_ = -1;
  std::uint32_t start_cursor_ = 0, end_cursor_ = 0;
};

}  // namespace

float LogCpm(double count, double library_size, double scale) {
  if (library_size <= 0) return 0.0f;
  return static_cast<float>(std::log10(count / library_size * scale + 1.0));
}

namespace {

// Thrown by a part for a line the fast parse does not take.
struct UnusualLine {};

// Counts the BGZF file `path` in parts, one thread each, when it is BGZF
// and `threads` > 1; false (and `out` untouched) otherwise, or when a part
// met a line the fast parse does not take or a damaged block: the caller
// then counts the file in one piece, which names the line at fault.
bool CountFragmentsInParts(const std::string& path, const RegionIndex& regions,
                           const BarcodeTable* barcodes, const CountOptions& options,
                           AccessibilityCounts* out) {
  if (options.threads < 2) return false;
  const std::vector<std::int64_t> offsets = BgzfBlockOffsets(path);
  const auto parts = SplitBlocks(offsets, options.threads);
  if (parts.size() < 2) return false;
  std::vector<AccessibilityCounts> counts(parts.size());
  std::atomic<std::int64_t> counted{0};
  ProgressMeter meter("count " + path, -1, "fragments", options.progress);
  try {
    ParallelFor(parts.size(), static_cast<int>(parts.size()), [&](std::size_t i, int worker) {
      counts[i] = EmptyCounts(regions, barcodes, options.single_celltype);
      Tally tally(regions, options.mode, &counts[i], barcodes);
      BgzfPartReader in(path, offsets, parts[i].first, parts[i].second);
      std::string_view line;
      std::int64_t n = 0, reported = 0;
      Fragment f;
      while (in.Next(&line)) {
        if (line.empty() || line[0] == '#') continue;
        if (!ParseFragment(line, &f)) throw UnusualLine{};
        if (tally.Add(f) && ++n - reported == 1 << 16) {
          const std::int64_t all = counted.fetch_add(n - reported) + (n - reported);
          reported = n;
          if (worker == 0) meter.Advance(all - meter.done());  // the caller's thread owns it
        }
      }
      counted.fetch_add(n - reported);
    });
  } catch (const UnusualLine&) {
    return false;
  } catch (const Error&) {  // a damaged block, or a thread that did not start
    return false;
  }
  meter.Advance(counted.load() - meter.done());
  meter.Finish();
  *out = std::move(counts[0]);
  out->parts = static_cast<int>(counts.size());
  for (std::size_t i = 1; i < counts.size(); ++i) {
    for (std::size_t c = 0; c < out->counts.size(); ++c) {
      out->library_size[c] += counts[i].library_size[c];
      float* to = out->counts[c].data();
      const float* from = counts[i].counts[c].data();
      for (std::size_t id = 0; id < out->counts[c].size(); ++id) to[id] += from[id];
    }
  }
  return true;
}

}  // namespace

AccessibilityCounts CountFragments(const std::string& path, const RegionIndex& regions,
                                   const BarcodeTable* barcodes, const CountOptions& options) {
  AccessibilityCounts out;
  if (CountFragmentsInParts(path, regions, barcodes, options, &out)) return out;
  out = EmptyCounts(regions, barcodes, options.single_celltype);
  TextReader in(path, options.threads);
  Tally tally(regions, options.mode, &out, barcodes);
  std::string_view line;
  ProgressMeter meter("count " + path, -1, "fragments", options.progress);
  while (in.Next(&line)) {
    if (line.empty() || line[0] == '#') continue;
    Fragment f;
    if (!ParseFragment(line, &f)) f = CheckedFragment(line, in);
    if (tally.Add(f)) meter.Advance(1);
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
  if (options.threads > 1) hts_set_threads(in, options.threads - 1);
  std::unique_ptr<sam_hdr_t, void (*)(sam_hdr_t*)> header(sam_hdr_read(in), sam_hdr_destroy);
  if (!header)
    throw Error(ErrorCode::kInvalidArgument, path + ": not a SAM/BAM/CRAM file (no header)");
  std::vector<int> chrom_of_tid(static_cast<std::size_t>(sam_hdr_nref(header.get())));
  for (std::size_t t = 0; t < chrom_of_tid.size(); ++t) {
    chrom_of_tid[t] = regions.FindChromosome(sam_hdr_tid2name(header.get(), static_cast<int>(t)));
  }
  std::unique_ptr<bam1_t, void (*)(bam1_t*)> rec(bam_init1(), bam_destroy1);
  Tally tally(regions, options.mode, &out);
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
      ct = barcodes->celltype_of.Find(cb);
      if (ct < 0) continue;
    }
    tally.Add(chrom_of_tid[static_cast<std::size_t>(c.tid)], static_cast<std::uint32_t>(start),
              static_cast<std::uint32_t>(end), static_cast<std::size_t>(ct));
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
