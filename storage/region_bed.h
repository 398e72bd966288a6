// ReadRegionsBed: the regions of a plain-text BED file (BED3 or more columns:
// BED4, narrowPeak, ...). "track", "browser" and "#" lines are skipped.
// Throws Error(kInvalidArgument) naming file and line for a malformed line
// (fewer than 3 columns, non-numeric or negative coordinates, end <= start),
// and Error(kIOError) when the file cannot be read.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/region_index.h"

namespace getps {

std::vector<Region> ReadRegionsBed(const std::string& path);

// True for lines a BED reader skips: empty, '#', "track", "browser".
bool IsBedHeaderLine(std::string_view line);

// Parses the first three columns of one BED line. `where` ("file:line: ")
// prefixes the error message.
Region ParseBedLine(std::string_view line, const std::string& where);

}  // namespace getps
