#include "featurizer/torch_motif_scanner.h"

#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <cstdint>

#include "common/error.h"
#include "common/random.h"

namespace getps {
namespace {

// Random PSSMs with thresholds that let matches through.
std::vector<Pssm> RandomPssms(Rng& rng, int n) {
  std::vector<Pssm> pssms;
  for (int i = 0; i < n; ++i) {
    Motif m;
    const std::size_t w = 3 + rng.Below(15);
    for (std::size_t j = 0; j < w; ++j) {
      std::array<double, 4> row{0.1, 0.1, 0.1, 0.1};
      row[rng.Below(4)] = 0.7;
      m.probs.push_back(row);
    }
    Pssm p = LogOdds(m, {0.25, 0.25, 0.25, 0.25}, 0.01);
    p.threshold = p.MaxScore() - (p.MaxScore() - p.MinScore()) * 0.2 * rng.Uniform();
    pssms.push_back(p);
  }
  return pssms;
}

TEST(TorchMotifScanner, EqualsTheSimdScannerOnTheCpuDevice) {
  Rng rng(9);
  const std::vector<Pssm> pssms = RandomPssms(rng, 30);
  std::vector<std::vector<std::uint8_t>> seqs(5);
  for (auto& s : seqs) {
    s.resize(200 + rng.Below(2000));
    for (auto& b : s) b = static_cast<std::uint8_t>(rng.Uniform() < 0.98 ? rng.Below(4) : 4);
  }
  seqs[0].resize(2);  // shorter than most motifs
  MotifScanner simd(pssms);
  TorchMotifScanner conv(pssms, "cpu");
  std::vector<std::span<const std::uint8_t>> views(seqs.begin(), seqs.end());
  std::vector<std::vector<MotifMatch>> got;
  conv.ScanBatch(views, &got);
  std::size_t total = 0;
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    std::vector<MotifMatch> want;
    ScanScratch scratch;
    simd.Scan(seqs[i], &want, &scratch);
    ASSERT_EQ(got[i].size(), want.size()) << "sequence " << i;
    for (std::size_t k = 0; k < want.size(); ++k) {
      EXPECT_EQ(got[i][k].pssm, want[k].pssm);
      EXPECT_EQ(got[i][k].pos, want[k].pos);
      EXPECT_EQ(got[i][k].score, want[k].score);
    }
    total += want.size();
  }
  EXPECT_GT(total, 100u);
}

TEST(TorchMotifScanner, ABudgetCutsConvolutionsWithoutChangingMatches) {
  Rng rng(21);
  const std::vector<Pssm> pssms = RandomPssms(rng, 40);
  std::vector<std::vector<std::uint8_t>> seqs(7);
  for (auto& s : seqs) {
    s.resize(500 + rng.Below(4000));
    for (auto& b : s) b = static_cast<std::uint8_t>(rng.Uniform() < 0.99 ? rng.Below(4) : 4);
  }
  std::vector<std::span<const std::uint8_t>> views(seqs.begin(), seqs.end());
  const TorchMotifScanner whole(pssms, "cpu", {std::size_t{1} << 30});
  EXPECT_EQ(whole.chunk_motifs(), 40);
  EXPECT_EQ(whole.chunk_positions(), (std::int64_t{1} << 30) / (70 + 5 * 40));  // one convolution
  // 1 MiB: 3,883 positions of 40 motifs would fit, under the 4,096 floor,
  // so motifs are cut: (1 MiB / 4,096 - 70) / 5 = 37 per convolution.
  const TorchMotifScanner cut(pssms, "cpu", {std::size_t{1} << 20});
  EXPECT_EQ(cut.chunk_positions(), 4096);
  EXPECT_EQ(cut.chunk_motifs(), 37);
  std::vector<std::vector<MotifMatch>> a, b;
  whole.ScanBatch(views, &a);
  cut.ScanBatch(views, &b);  // 2 motif ranges x 4+ position ranges
  std::size_t total = 0;
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].size(), b[i].size()) << "sequence " << i;
    for (std::size_t k = 0; k < a[i].size(); ++k) {
      EXPECT_EQ(a[i][k].pssm, b[i][k].pssm);
      EXPECT_EQ(a[i][k].pos, b[i][k].pos);
      EXPECT_EQ(a[i][k].score, b[i][k].score);
    }
    total += a[i].size();
  }
  EXPECT_GT(total, 200u);
  // The default on the CPU.
  EXPECT_EQ(TorchMotifScanner(pssms, "cpu").chunk_positions(),
            static_cast<std::int64_t>(kCpuScanMemory) / (70 + 5 * 40));
}

TEST(TorchMotifScanner, UnavailableDeviceIsAClearError) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a GPU is present";
  try {
    TorchMotifScanner conv({}, "cuda");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--device cuda"), std::string::npos);
  }
}

}  // namespace
}  // namespace getps
