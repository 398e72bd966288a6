#include "storage/region_bed.h"

#include <fstream>

#include "common/error.h"
#include "common/parse.h"

namespace getps {
bool IsBedHeaderLine(std::string_view line) {
  return line.empty() || line[0] == '#' || line.rfind("track", 0) == 0 ||
         line.rfind("browser", 0) == 0;
}

Region ParseBedLine(std::string_view line, const std::string& where) {
  std::string_view rest = line;
  std::string_view cols[3];
  for (int c = 0; c < 3; ++c) {
    auto tab = rest.find('\t');
    if (tab == std::string_view::npos && c < 2) {
      throw Error(ErrorCode::kInvalidArgument,
                  where + "expected at least 3 tab-separated columns (chrom, start, end)");
    }
    cols[c] = rest.substr(0, tab);
    rest = tab == std::string_view::npos ? std::string_view() : rest.substr(tab + 1);
  }
  Region r;
  r.chrom = std::string(cols[0]);
  if (r.chrom.empty() || !ParseUint32(cols[1], &r.start) || !ParseUint32(cols[2], &r.end) ||
      r.end <= r.start) {
    throw Error(ErrorCode::kInvalidArgument,
                where + "expected chrom, start, end with 0 <= start < end, got '" +
                    std::string(cols[0]) + "', '" + std::string(cols[1]) + "', '" +
                    std::string(cols[2]) + "'");
  }
  return r;
}

std::vector<Region> ReadRegionsBed(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::kIOError, "cannot open BED file " + path);
  std::vector<Region> regions;
  std::string line;
  std::size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (IsBedHeaderLine(line)) continue;
    regions.push_back(ParseBedLine(line, path + ":" + std::to_string(lineno) + ": "));
  }
  if (in.bad()) throw Error(ErrorCode::kIOError, "error reading BED file " + path);
  return regions;
}

}  // namespace getps
