// Natural chromosome order: chr1, chr2, ..., chr10, ..., chr22, chrX, chrY,
// then everything else (chrM, unplaced and alt contigs) in natural string
// order (digit runs compared as numbers). The optional "chr" prefix is
// ignored for ranking, so "1" < "2" < "10" < "X" too. The GET reference
// sorted lexicographically (chr1, chr10, chr11, ...); this order is the fix.
#pragma once

#include <string_view>

namespace getps {

// <0, 0, >0 like strcmp, in natural chromosome order.
int CompareChromosomes(std::string_view a, std::string_view b);

inline bool ChromosomeLess(std::string_view a, std::string_view b) {
  return CompareChromosomes(a, b) < 0;
}

}  // namespace getps
