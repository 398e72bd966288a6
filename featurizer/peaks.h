// ReadPeaks: a union peak set from BED or narrowPeak (plain, gzip or BGZF;
// any order). Peaks come back sorted in natural chromosome order. Overlapping
// peaks are an error naming both (kError) or merged into one (kMerge);
// touching peaks (end == next start) stay separate either way.
#pragma once

#include <string>
#include <vector>

#include "storage/region_index.h"

namespace getps {

enum class OverlapPolicy { kError, kMerge };

std::vector<Region> ReadPeaks(const std::string& path, OverlapPolicy policy);

}  // namespace getps
