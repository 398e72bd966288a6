// TorchMotifScanner: the motif scan as one LibTorch conv1d, for GPUs
// (`--device cuda`); it runs on any torch device, the CPU included (tests).
//
// The sequence is one-hot encoded in 5 channels (A, C, G, T, other); each
// PSSM is a conv filter whose "other" channel weighs -1e9, so windows with a
// non-ACGT base can never pass. The convolution in float32 (TF32 off) is a
// filter only: windows scoring >= threshold - kMargin are rescored exactly
// in double precision on the CPU, column by column, so the matches are
// exactly MotifScanner's.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "featurizer/motif_scanner.h"

namespace getps {

class TorchMotifScanner {
 public:
  static constexpr double kMargin = 0.01;

  // `device`: "cpu", "torch-cpu" (the same), "cuda", "cuda:1", ... Throws Error(kInvalidArgument)
  // when the device is not available in this build.
  TorchMotifScanner(std::vector<Pssm> pssms, const std::string& device);
  ~TorchMotifScanner();

  const std::vector<Pssm>& pssms() const;

  // Scans several sequences at once; out[i] receives sequence i's matches in
  // MotifScanner's order (by PSSM, then position).
  void ScanBatch(const std::vector<std::span<const std::uint8_t>>& sequences,
                 std::vector<std::vector<MotifMatch>>* out) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace getps
