// BgzfParts (featurizer/bgzf_parts.h): cut into any number of parts, a
// BGZF file's lines come out exactly once each, in order within a part,
// whatever the block boundaries (mid-line, at a newline, empty blocks,
// files concatenated), and counting in parts equals counting in one piece.
#include "featurizer/bgzf_parts.h"

#include <gtest/gtest.h>
#include <htslib/bgzf.h>
#include <cstdint>

#include <fstream>

#include "common/error.h"
#include "featurizer/accessibility.h"
#include "tests/test_store.h"

namespace getps {
namespace {

using testing_util::TempDir;

// Writes `lines` as BGZF, each with a newline but the last when
// `last_newline` is false, a block cut every `every` bytes (and at the end
// of every line when `at_newlines`).
void WriteBgzf(const std::string& path, const std::vector<std::string>& lines, std::size_t every,
               bool at_newlines = false, bool last_newline = true) {
  BGZF* out = bgzf_open(path.c_str(), "w");
  ASSERT_NE(out, nullptr);
  std::size_t since = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string text = lines[i] + (i + 1 < lines.size() || last_newline ? "\n" : "");
    for (char c : text) {
      ASSERT_EQ(bgzf_write(out, &c, 1), 1);
      if (++since == every) {
        ASSERT_EQ(bgzf_flush(out), 0);
        since = 0;
      }
    }
    if (at_newlines) {
      ASSERT_EQ(bgzf_flush(out), 0);
    }
  }
  ASSERT_EQ(bgzf_close(out), 0);
}

std::vector<std::string> ReadInParts(const std::string& path, int parts) {
  const auto offsets = BgzfBlockOffsets(path);
  std::vector<std::string> lines;
  for (const auto& [first, last] : SplitBlocks(offsets, parts)) {
    BgzfPartReader in(path, offsets, first, last);
    std::string_view line;
    while (in.Next(&line)) lines.emplace_back(line);
  }
  return lines;
}

std::vector<std::string> Fragments(int n) {
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i)
    lines.push_back("chr" + std::to_string(1 + i / 700) + "\t" + std::to_string(100 + 13 * i) +
                    "\t" + std::to_string(160 + 13 * i + i % 90) + "\tBC" + std::to_string(i % 11) +
                    (i % 5 ? "\t1" : "\t2\r"));
  return lines;
}

TEST(BgzfParts, EveryLineOnceForAnyCutAndAnyNumberOfParts) {
  TempDir dir("bgzfparts");
  std::vector<std::string> want = Fragments(2000);
  want.push_back("");  // an empty line and a last line without its newline
  want.push_back("chrX\t5\t9\tBC1");
  std::vector<std::string> stripped = want;
  for (auto& l : stripped)
    if (!l.empty() && l.back() == '\r') l.pop_back();
  for (std::size_t every : {7u, 64u, 1000u, 65280u}) {
    const std::string path = dir.Sub("f" + std::to_string(every) + ".gz");
    WriteBgzf(path, want, every, every == 1000u, /*last_newline=*/false);
    const auto offsets = BgzfBlockOffsets(path);
    ASSERT_GE(offsets.size(), 3u) << every;
    for (int parts : {1, 2, 3, 5, 8, 64}) {
      EXPECT_EQ(ReadInParts(path, parts), stripped) << "every " << every << ", parts " << parts;
    }
  }
}

TEST(BgzfParts, ConcatenatedFilesAndOtherFormats) {
  TempDir dir("bgzfcat");
  const auto a = Fragments(300), b = Fragments(200);
  WriteBgzf(dir.Sub("a.gz"), a, 500);
  WriteBgzf(dir.Sub("b.gz"), b, 300);
  {
    std::ofstream both(dir.Sub("ab.gz"), std::ios::binary);
    both << std::ifstream(dir.Sub("a.gz"), std::ios::binary).rdbuf()
         << std::ifstream(dir.Sub("b.gz"), std::ios::binary).rdbuf();
  }
  std::vector<std::string> want;
  for (const auto* part : {&a, &b})
    for (auto l : *part) want.push_back(l.back() == '\r' ? l.substr(0, l.size() - 1) : l);
  for (int parts : {1, 2, 4, 7}) EXPECT_EQ(ReadInParts(dir.Sub("ab.gz"), parts), want) << parts;
  // Plain text and plain gzip are not cut: no block offsets.
  std::ofstream(dir.Sub("plain.tsv")) << "chr1\t1\t2\tA\n";
  EXPECT_TRUE(BgzfBlockOffsets(dir.Sub("plain.tsv")).empty());
  EXPECT_TRUE(BgzfBlockOffsets(dir.Sub("missing.tsv")).empty());
}

TEST(BgzfParts, ADamagedBlockIsCorruptionNamingTheFile) {
  TempDir dir("bgzfbad");
  const std::string path = dir.Sub("f.gz");
  WriteBgzf(path, Fragments(3000), 4000);
  const auto offsets = BgzfBlockOffsets(path);
  ASSERT_GE(offsets.size(), 6u);
  {
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(offsets[3] + 30);
    f.put('\x55').put('\x55').put('\x55');
  }
  try {
    ReadInParts(path, 1);
    FAIL() << "a damaged block was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    EXPECT_NE(std::string(e.what()).find(path + ": the BGZF block at byte " +
                                         std::to_string(offsets[3]) + " is damaged"),
              std::string::npos)
        << e.what();
  }
}

TEST(BgzfParts, CountingInPartsEqualsOnePieceAndBadLinesAreNamedTheSame) {
  TempDir dir("bgzfcount");
  std::vector<Region> peaks;
  for (int i = 0; i < 400; ++i)
    peaks.push_back({"chr" + std::to_string(1 + i / 100),
                     static_cast<std::uint32_t>(50 + 91 * (i % 100)),
                     static_cast<std::uint32_t>(90 + 91 * (i % 100))});
  const RegionIndex regions = RegionIndex::FromUnsorted(peaks);
  auto lines = Fragments(2800);
  lines.insert(lines.begin(), "# a header line");
  const std::string path = dir.Sub("f.gz");
  WriteBgzf(path, lines, 900);
  for (CountMode mode : {CountMode::kFragments, CountMode::kInsertions}) {
    CountOptions one{mode, "all", false, 1}, parts{mode, "all", false, 3};
    const AccessibilityCounts a = CountFragments(path, regions, nullptr, one);
    const AccessibilityCounts b = CountFragments(path, regions, nullptr, parts);
    EXPECT_EQ(a.parts, 1);
    EXPECT_EQ(b.parts, 3);  // counted in parts, not in one piece after a fallback
    EXPECT_EQ(a.library_size, b.library_size);
    EXPECT_EQ(a.counts, b.counts);
    double overlaps = 0;
    for (float v : b.counts[0]) overlaps += v;
    EXPECT_GT(overlaps, 500);
  }
  lines[2000] = "chr3\t10\tten\tBC1";  // line 2001 of the file
  WriteBgzf(path, lines, 900);
  for (int threads : {1, 3}) {
    try {
      CountFragments(path, regions, nullptr, {CountMode::kFragments, "all", false, threads});
      FAIL() << "a bad line was counted";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()),
                path + ":2001: expected the end coordinate as a number, got 'ten'");
    }
  }
}

}  // namespace
}  // namespace getps
