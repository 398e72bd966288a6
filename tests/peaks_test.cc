#include "featurizer/peaks.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "common/error.h"
#include "featurizer/text_reader.h"
#include "tests/test_store.h"

namespace getps {
namespace {

void WriteGzip(const std::string& path, const std::string& text) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
}

TEST(Peaks, SortsNaturallyAndMergesOrRejectsOverlaps) {
  testing_util::TempDir dir("peaks");
  const std::string text =
      "track "
      "name=x\nchr10\t5\t10\tp1\nchr2\t100\t200\tp2\nchr2\t150\t300\tp3\nchr2\t300\t310\tp4\n";
  std::ofstream(dir.Sub("p.bed")) << text;
  auto merged = ReadPeaks(dir.Sub("p.bed"), OverlapPolicy::kMerge);
  ASSERT_EQ(merged.size(), 3u);
  EXPECT_EQ(merged[0].chrom, "chr2");
  EXPECT_EQ(merged[0].end, 300u);    // 100-200 + 150-300
  EXPECT_EQ(merged[1].start, 300u);  // touching: kept apart
  EXPECT_EQ(merged[2].chrom, "chr10");
  try {
    ReadPeaks(dir.Sub("p.bed"), OverlapPolicy::kError);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "peaks overlap: line 3 (chr2:100-200) and line 4 (chr2:150-300)"),
              std::string::npos)
        << e.what();
  }
  WriteGzip(dir.Sub("p.bed.gz"), text);
  EXPECT_EQ(ReadPeaks(dir.Sub("p.bed.gz"), OverlapPolicy::kMerge).size(), 3u);
}

TEST(Peaks, MalformedLineNamesFileAndLine) {
  testing_util::TempDir dir("badpeaks");
  std::ofstream(dir.Sub("p.bed")) << "chr1\t1\t5\nchr1\tx\t9\n";
  try {
    ReadPeaks(dir.Sub("p.bed"), OverlapPolicy::kError);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.Sub("p.bed") + ":2: expected chrom, start, end"),
              std::string::npos);
  }
}

TEST(TextReader, TruncatedGzipIsAnErrorNotAnEnd) {
  testing_util::TempDir dir("trunc");
  std::string text;
  for (int i = 0; i < 20000; ++i)
    text += "chr1\t" + std::to_string(i * 10) + "\t" + std::to_string(i * 10 + 5) + "\n";
  WriteGzip(dir.Sub("full.gz"), text);
  std::ifstream in(dir.Sub("full.gz"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::ofstream(dir.Sub("cut.gz"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  TextReader r(dir.Sub("cut.gz"));
  std::string_view line;
  try {
    while (r.Next(&line)) {
    }
    FAIL() << "a truncated gzip read to a clean end";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos);
  }
}

}  // namespace
}  // namespace getps
