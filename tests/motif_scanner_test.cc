#include "featurizer/motif_scanner.h"

#include <gtest/gtest.h>
#include <cstdint>

#include "common/random.h"

namespace getps {
namespace {

// Every window scored naively: the definition the scanner must meet.
std::vector<MotifMatch> Naive(const std::vector<Pssm>& pssms,
                              const std::vector<std::uint8_t>& seq) {
  std::vector<MotifMatch> out;
  for (std::size_t m = 0; m < pssms.size(); ++m) {
    const Pssm& p = pssms[m];
    for (std::size_t pos = 0; pos + p.width() <= seq.size(); ++pos) {
      double s = 0;
      bool ok = true;
      for (std::size_t j = 0; j < p.width() && ok; ++j) {
        if (seq[pos + j] > 3)
          ok = false;
        else
          s += p.scores[j][seq[pos + j]];
      }
      if (ok && s >= p.threshold)
        out.push_back({static_cast<std::uint32_t>(m), static_cast<std::uint32_t>(pos), s});
    }
  }
  return out;
}

std::vector<Pssm> RandomPssms(Rng& rng, int count) {
  std::vector<Pssm> pssms;
  for (int i = 0; i < count; ++i) {
    Motif m;
    m.name = "m" + std::to_string(i);
    const std::size_t w = 1 + rng.Below(22);
    for (std::size_t j = 0; j < w; ++j) {
      std::array<double, 4> row{};
      row[rng.Below(4)] = 0.7;
      for (auto& v : row) v += 0.1;
      m.probs.push_back(row);
    }
    Pssm p = LogOdds(m, {0.25, 0.25, 0.25, 0.25}, 0.01);
    // Thresholds from generous to strict, so matches are plentiful and rare.
    p.threshold = p.MaxScore() - (p.MaxScore() - p.MinScore()) * (0.05 + 0.3 * rng.Uniform());
    pssms.push_back(i % 2 ? ReverseComplement(p) : p);
  }
  // A threshold above the maximum: never matches.
  pssms[0].threshold = pssms[0].MaxScore() + 1;
  return pssms;
}

TEST(MotifScanner, EveryKernelEqualsTheNaiveDefinition) {
  Rng rng(42);
  std::vector<Pssm> pssms = RandomPssms(rng, 40);
  const char* bases = "ACGTacgtNnRY";
  for (int trial = 0; trial < 6; ++trial) {
    std::string text;
    const std::size_t len = trial == 0 ? 5 : 300 + rng.Below(3000);
    for (std::size_t i = 0; i < len; ++i)
      text.push_back(bases[rng.Uniform() < 0.97 ? rng.Below(8) : 8 + rng.Below(4)]);
    std::vector<std::uint8_t> seq;
    EncodeSequence(text, &seq);
    const auto want = Naive(pssms, seq);
    for (ScanKernel k : {ScanKernel::kScalar, ScanKernel::kAvx2, ScanKernel::kAvx512}) {
      std::unique_ptr<MotifScanner> scanner;
      try {
        scanner = std::make_unique<MotifScanner>(pssms, k);
      } catch (const std::exception&) {
        continue;  // the CPU lacks this kernel
      }
      ScanScratch scratch;
      std::vector<MotifMatch> got;
      scanner->Scan(seq, &got, &scratch);
      ASSERT_EQ(got.size(), want.size()) << ScanKernelName(k) << " trial " << trial;
      for (std::size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(got[i].pssm, want[i].pssm) << ScanKernelName(k);
        ASSERT_EQ(got[i].pos, want[i].pos) << ScanKernelName(k);
        ASSERT_DOUBLE_EQ(got[i].score, want[i].score);
      }
    }
    if (trial > 0) {
      EXPECT_GT(want.size(), 50u);  // the test exercises real matches
    }
  }
}

TEST(MotifScanner, EncodingIgnoresCaseAndMapsOtherBasesToFour) {
  std::vector<std::uint8_t> e;
  EncodeSequence("AcGtNx", &e);
  EXPECT_EQ(e, (std::vector<std::uint8_t>{0, 1, 2, 3, 4, 4}));
}

}  // namespace
}  // namespace getps
