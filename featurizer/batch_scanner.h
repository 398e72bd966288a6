// BatchScanner: a motif scanner that takes many sequences at once on a
// LibTorch device (`--device`; TorchMotifScanner is the one there is).
//
// The featurizer itself needs no LibTorch: it scans with the SIMD
// MotifScanner, and a caller that wants a device scan hands in a
// BatchScannerMaker. Only the getps-model binary links LibTorch and has one
// (MakeTorchMotifScanner); the torch-free getps binary passes none, and its
// commands run a command line that asks for a device in getps-model instead
// (launch/subcommands.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "featurizer/motif_scanner.h"

namespace getps {

struct TorchScanOptions {
  std::size_t memory_bytes = 0;  // per convolution on the device; 0: the scanner's default
};

// Thread safety: ScanBatch is const and may be called from one thread at a
// time per scanner (the device's own queue orders the work).
class BatchScanner {
 public:
  virtual ~BatchScanner() = default;

  // out[i] receives sequence i's matches in MotifScanner's order (by PSSM,
  // then position); the matches are exactly MotifScanner's.
  virtual void ScanBatch(const std::vector<std::span<const std::uint8_t>>& sequences,
                         std::vector<std::vector<MotifMatch>>* out) const = 0;
};

// Makes a scanner of `pssms` on `device` ("cuda", "cuda:1", "torch-cpu", ...).
// Throws Error(kInvalidArgument) when the device is not available.
using BatchScannerMaker = std::unique_ptr<BatchScanner> (*)(std::vector<Pssm> pssms,
                                                           const std::string& device,
                                                           const TorchScanOptions& options);

// True when `device` names a LibTorch device rather than the SIMD scanner.
inline bool IsDeviceScan(const std::string& device) { return device != "cpu"; }

}  // namespace getps
