#include "storage/region_index.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <algorithm>
#include <vector>

#include "common/error.h"

namespace getps {
namespace {

TEST(RegionIndex, SortsNaturallyAndAssignsContiguousIds) {
  RegionIndex idx = RegionIndex::FromUnsorted(
      {{"chr10", 50, 60}, {"chr2", 5, 9}, {"chr1", 100, 200}, {"chr2", 0, 5}, {"chr1", 0, 10}});
  ASSERT_EQ(idx.size(), 5u);
  ASSERT_EQ(idx.chromosomes().size(), 3u);
  EXPECT_EQ(idx.chromosomes()[0].name, "chr1");
  EXPECT_EQ(idx.chromosomes()[1].name, "chr2");
  EXPECT_EQ(idx.chromosomes()[2].name, "chr10");
  EXPECT_EQ(idx.chromosomes()[1].first_id, 2u);
  EXPECT_EQ(idx.chromosomes()[1].count, 2u);
  EXPECT_EQ(idx.start(0), 0u);
  EXPECT_EQ(idx.start(1), 100u);
  EXPECT_EQ(idx.start(3), 5u);  // touching regions (end == next start) are allowed
  EXPECT_EQ(idx.ChromosomeOf(4), 2);
  EXPECT_EQ(idx.FindChromosome("chr2"), 1);
  EXPECT_EQ(idx.FindChromosome("chr3"), -1);
  EXPECT_EQ(idx.Describe(1), "chr1:101-200");
}

TEST(RegionIndex, RejectsOverlapsDuplicatesAndEmptyRegions) {
  try {
    RegionIndex::FromUnsorted({{"chr1", 0, 100}, {"chr1", 99, 150}});
    FAIL() << "overlap accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("regions overlap: chr1:0-100 and chr1:99-150"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(RegionIndex::FromUnsorted({{"chr1", 0, 100}, {"chr1", 0, 100}}), Error);
  EXPECT_THROW(RegionIndex::FromUnsorted({{"chr1", 10, 10}}), Error);
}

TEST(RegionIndex, OverlappingQueries) {
  RegionIndex idx = RegionIndex::FromUnsorted(
      {{"chr1", 0, 10}, {"chr1", 20, 30}, {"chr1", 40, 50}, {"chr2", 0, 10}});
  using P = std::pair<std::uint32_t, std::uint32_t>;
  EXPECT_EQ(idx.Overlapping(0, 0, 1), P(0, 1));
  EXPECT_EQ(idx.Overlapping(0, 10, 20), P(1, 1));  // the gap: nothing (half-open)
  EXPECT_EQ(idx.Overlapping(0, 9, 21), P(0, 2));
  EXPECT_EQ(idx.Overlapping(0, 0, 1000), P(0, 3));
  EXPECT_EQ(idx.Overlapping(0, 50, 60), P(3, 3));
  EXPECT_EQ(idx.Overlapping(1, 5, 6), P(3, 4));
}

TEST(RegionIndex, OverlappingFromAgreesWithOverlappingInAnyOrder) {
  std::vector<Region> regions;
  std::uint32_t at = 0;
  std::uint64_t seed = 7;
  auto next = [&seed](std::uint32_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>((seed >> 33) % n);
  };
  for (int i = 0; i < 500; ++i) {
    at += 1 + next(300);
    const std::uint32_t len = 1 + next(200);
    regions.push_back({"chr1", at, at + len});
    regions.push_back({"chr2", at / 2, at / 2 + 1});
    at += len;
  }
  const RegionIndex idx = RegionIndex::FromUnsorted(regions);
  struct Query {
    int chrom;
    std::uint32_t start, end;
  };
  std::vector<Query> sorted, shuffled;
  for (int i = 0; i < 20000; ++i) {
    const int chrom = i % 7 == 0 ? 1 : 0;
    const std::uint32_t start = next(at + 1000);
    // Mostly short fragments, some spanning dozens of regions.
    const std::uint32_t len = 1 + (i % 50 == 0 ? next(20000) : next(400));
    shuffled.push_back({chrom, start, start + len});
  }
  sorted = shuffled;
  std::sort(sorted.begin(), sorted.end(),
            [](const Query& a, const Query& b) { return a.start < b.start; });
  for (const auto* queries : {&sorted, &shuffled}) {
    std::uint32_t cursor[2] = {0, 0};
    std::size_t overlaps = 0;
    for (const Query& q : *queries) {
      const auto want = idx.Overlapping(q.chrom, q.start, q.end);
      ASSERT_EQ(idx.OverlappingFrom(q.chrom, q.start, q.end, &cursor[q.chrom]), want)
          << q.chrom << ":" << q.start << "-" << q.end;
      overlaps += want.second - want.first;
    }
    EXPECT_GT(overlaps, 5000u);  // the queries do hit regions
  }
  std::uint32_t wild = 123456789;  // a cursor from nowhere is safe
  EXPECT_EQ(idx.OverlappingFrom(0, 10, 20000, &wild), idx.Overlapping(0, 10, 20000));
}

TEST(Locus, ParsesOneBasedInclusive) {
  Locus l = ParseLocus("chr1:1,001-2,000");
  EXPECT_EQ(l.chrom, "chr1");
  EXPECT_EQ(l.start, 1000u);
  EXPECT_EQ(l.end, 2000u);
  Locus whole = ParseLocus("chrX");
  EXPECT_EQ(whole.start, 0u);
  EXPECT_EQ(whole.end, UINT32_MAX);
  EXPECT_THROW(ParseLocus("chr1:0-10"), Error);
  EXPECT_THROW(ParseLocus("chr1:20-10"), Error);
  EXPECT_THROW(ParseLocus("chr1:abc-10"), Error);
  EXPECT_THROW(ParseLocus(":1-10"), Error);
}

}  // namespace
}  // namespace getps
