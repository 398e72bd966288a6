// The value check of `getps store verify` (StoreReader::Verify): every
// stored number is finite, and motif scores, fragment counts and logCPM are
// also >= 0, so a store that passes cannot feed NaN or negative
// accessibility into training windows.
#pragma once

#include "storage/store_reader.h"

namespace getps {

// Checks every motif score of chromosome `chrom`'s regions and every
// cell type's accessible-region columns there. Throws Error(kCorruption)
// naming the store, the region (and feature or cell type) and the value of
// the first bad one. Thread-safe as StoreReader's const methods are.
void CheckStoredValues(const StoreReader& store, int chrom);

}  // namespace getps
