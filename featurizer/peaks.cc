#include "featurizer/peaks.h"

#include <algorithm>

#include "common/error.h"
#include "featurizer/text_reader.h"
#include "storage/chromosome_order.h"
#include "storage/region_bed.h"

namespace getps {

std::vector<Region> ReadPeaks(const std::string& path, OverlapPolicy policy) {
  TextReader in(path);
  std::vector<Region> peaks;
  std::vector<std::size_t> lines;
  std::string_view line;
  while (in.Next(&line)) {
    if (IsBedHeaderLine(line)) continue;
    peaks.push_back(ParseBedLine(line, in.Where()));
    lines.push_back(in.line_number());
  }
  if (peaks.empty()) throw Error(ErrorCode::kInvalidArgument, path + ": no peaks");
  std::vector<std::size_t> order(peaks.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    int c = CompareChromosomes(peaks[a].chrom, peaks[b].chrom);
    if (c != 0) return c < 0;
    return peaks[a].start != peaks[b].start ? peaks[a].start < peaks[b].start
                                            : peaks[a].end < peaks[b].end;
  });
  std::vector<Region> out;
  std::size_t last_line = 0;
  for (std::size_t k : order) {
    Region& p = peaks[k];
    if (!out.empty() && out.back().chrom == p.chrom && p.start < out.back().end) {
      if (policy == OverlapPolicy::kError) {
        throw Error(ErrorCode::kInvalidArgument,
                    path + ": peaks overlap: line " + std::to_string(last_line) + " (" +
                        out.back().chrom + ":" + std::to_string(out.back().start) + "-" +
                        std::to_string(out.back().end) + ") and line " + std::to_string(lines[k]) +
                        " (" + p.chrom + ":" + std::to_string(p.start) + "-" +
                        std::to_string(p.end) + "); merge them with --merge-overlaps");
      }
      out.back().end = std::max(out.back().end, p.end);
      continue;
    }
    out.push_back(std::move(p));
    last_line = lines[k];
  }
  return out;
}

}  // namespace getps
