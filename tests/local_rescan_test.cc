#include "featurizer/local_rescan.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <algorithm>
#include <random>
#include <tuple>

#include "featurizer/motif.h"
#include "featurizer/pssm.h"

namespace getps {
namespace {

// Random motifs of width 4..14 at p = 1e-2, both strands: many matches, so
// edits meet them often.
std::vector<Pssm> RandomPssms(std::mt19937& rng) {
  const Background bg{0.25, 0.25, 0.25, 0.25};
  std::vector<Pssm> out;
  for (int k = 0; k < 12; ++k) {
    Motif m;
    m.name = "M" + std::to_string(k);
    const int width = 4 + k % 11;
    for (int j = 0; j < width; ++j) {
      std::array<double, 4> row{};
      double sum = 0;
      for (double& v : row) sum += v = std::gamma_distribution<double>(0.4)(rng) + 1e-3;
      for (double& v : row) v /= sum;
      m.probs.push_back(row);
    }
    Pssm fwd = LogOdds(m, bg);
    fwd.threshold = ThresholdFromPValue(fwd, bg, 1e-2);
    out.push_back(ReverseComplement(fwd));
    out.push_back(std::move(fwd));
  }
  return out;
}

std::string RandomBases(std::mt19937& rng, std::size_t n) {
  std::string s(n, 'A');
  for (char& c : s) c = "ACGT"[rng() % 4];
  return s;
}

// Random SNVs, MNVs, insertions and deletions around and inside [start, end),
// sorted by position as the importer applies them.
std::vector<SequenceEdit> RandomEdits(std::mt19937& rng, std::int64_t start, std::int64_t end) {
  std::vector<SequenceEdit> edits;
  const int n = 1 + static_cast<int>(rng() % 5);
  for (int i = 0; i < n; ++i) {
    const std::int64_t pos = start - 6 + static_cast<std::int64_t>(rng() % (end - start + 12));
    const int kind = static_cast<int>(rng() % 4);
    const auto len = static_cast<std::uint32_t>(1 + rng() % 6);
    if (kind == 0) edits.push_back({pos, 1, RandomBases(rng, 1)});
    if (kind == 1) edits.push_back({pos, len, RandomBases(rng, len)});
    if (kind == 2) edits.push_back({pos, 0, RandomBases(rng, len)});
    if (kind == 3) edits.push_back({pos, len, ""});
  }
  std::sort(edits.begin(), edits.end(), [](const SequenceEdit& a, const SequenceEdit& b) {
    return std::pair(a.pos, a.ref_length > 0) < std::pair(b.pos, b.ref_length > 0);
  });
  return edits;
}

std::vector<std::tuple<std::uint32_t, std::uint32_t, double>> Sorted(
    const std::vector<MotifMatch>& matches) {
  std::vector<std::tuple<std::uint32_t, std::uint32_t, double>> out;
  for (const auto& m : matches) out.emplace_back(m.pssm, m.pos, m.score);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(LocalRescanner, GivesTheMatchesOfScanningEachWholeEditedSequence) {
  std::mt19937 rng(11);
  const MotifScanner scanner(RandomPssms(rng));
  const LocalRescanner local(scanner);
  LocalRescanScratch scratch;
  ScanScratch scan;
  std::size_t compared = 0, changed = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const std::int64_t start = 1000, end = 1000 + 40 + static_cast<std::int64_t>(rng() % 300);
    const std::string ref = RandomBases(rng, static_cast<std::size_t>(end - start));
    std::vector<std::uint8_t> encoded;
    EncodeSequence(ref, &encoded);
    std::vector<MotifMatch> reference;
    scanner.Scan(encoded, &reference, &scan);
    // Up to 4 people's sequences of the region, scanned in one call.
    const std::size_t n = 1 + rng() % 4;
    std::vector<std::vector<SequenceEdit>> edits(n);
    std::vector<std::vector<const SequenceEdit*>> views(n);
    std::vector<std::vector<EditFit>> fits(n);
    std::vector<std::string> people(n);
    std::vector<EditedSequence> sequences;
    for (std::size_t k = 0; k < n; ++k) {
      edits[k] = RandomEdits(rng, start, end);
      for (const auto& e : edits[k]) views[k].push_back(&e);
      people[k] = ApplyEdits(ref, start, views[k], &fits[k]);
    }
    for (std::size_t k = 0; k < n; ++k)
      sequences.push_back({start, end, views[k], fits[k], people[k]});
    std::vector<std::vector<MotifMatch>> fast;
    local.Scan(reference, sequences, &fast, &scratch);
    ASSERT_EQ(fast.size(), n);
    for (std::size_t k = 0; k < n; ++k) {
      EncodeSequence(people[k], &encoded);
      std::vector<MotifMatch> whole;
      scanner.Scan(encoded, &whole, &scan);
      ASSERT_EQ(Sorted(fast[k]), Sorted(whole)) << "trial " << trial << ", sequence " << k;
      ++compared;
      changed += Sorted(whole) != Sorted(reference);
    }
  }
  EXPECT_GT(compared, 400u);
  EXPECT_GT(changed, compared / 2);  // the edits did change the matches
}

}  // namespace
}  // namespace getps
