// TorchMotifScanner: the motif scan as one LibTorch conv1d, for GPUs
// (`--device cuda`); it runs on any torch device, the CPU included (tests).
//
// The sequence is one-hot encoded in 5 channels (A, C, G, T, other); each
// PSSM is a conv filter whose "other" channel weighs -1e9, so windows with a
// non-ACGT base can never pass. The convolution in float32 (TF32 off) is a
// filter only: windows scoring >= threshold - kMargin are rescored exactly
// in double precision on the CPU, column by column, so the matches are
// exactly MotifScanner's.
//
// Memory: a convolution's scores take 5 bytes per position and motif (the
// float score and its comparison), so a batch is cut into convolutions over
// position ranges (overlapping by the widest motif) and, when even a short
// range of all motifs would not fit, over motif ranges too: each takes at
// most TorchScanOptions::memory_bytes on the device (2,179 Vierstra motifs
// over 1.4 Mbp of peaks took 8.6 GB in one convolution). The default is
// kCpuScanMemory on the CPU and a quarter of the device's free memory on a
// GPU (kGpuScanMemory when this build cannot ask).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "featurizer/batch_scanner.h"
#include "featurizer/motif_scanner.h"

namespace getps {

inline constexpr std::size_t kCpuScanMemory = std::size_t{256} << 20;
inline constexpr std::size_t kGpuScanMemory = std::size_t{2} << 30;

// Only the getps-model binary links this (getps_featurizer_torch).
class TorchMotifScanner final : public BatchScanner {
 public:
  static constexpr double kMargin = 0.01;

  // `device`: "cpu", "torch-cpu" (the same), "cuda", "cuda:1", ... Throws Error(kInvalidArgument)
  // when the device is not available in this build.
  TorchMotifScanner(std::vector<Pssm> pssms, const std::string& device,
                    const TorchScanOptions& options = {});
  ~TorchMotifScanner() override;

  const std::vector<Pssm>& pssms() const;
  // The positions and motifs one convolution covers (from the budget).
  std::int64_t chunk_positions() const;
  std::int64_t chunk_motifs() const;

  // Scans several sequences at once; out[i] receives sequence i's matches in
  // MotifScanner's order (by PSSM, then position).
  void ScanBatch(const std::vector<std::span<const std::uint8_t>>& sequences,
                 std::vector<std::vector<MotifMatch>>* out) const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The BatchScannerMaker of this scanner.
std::unique_ptr<BatchScanner> MakeTorchMotifScanner(std::vector<Pssm> pssms,
                                                    const std::string& device,
                                                    const TorchScanOptions& options);

}  // namespace getps
