// TextReader (featurizer/text_reader.h): lines of plain and gzip files with
// their numbers, CRLF and a last line without a newline; and a gzip file
// cut anywhere is a kCorruption naming the file, never a clean end of file
// and never its cut last line handed out as if whole.
#include "featurizer/text_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "tests/test_store.h"

namespace getps {
namespace {

using testing_util::TempDir;

std::vector<std::string> ReadAll(const std::string& path) {
  TextReader in(path);
  std::vector<std::string> lines;
  std::string_view line;
  while (in.Next(&line)) {
    EXPECT_EQ(in.line_number(), lines.size() + 1);
    lines.emplace_back(line);
  }
  return lines;
}

TEST(TextReader, PlainLinesCrlfAndALastLineWithoutNewline) {
  TempDir dir("text_plain");
  std::ofstream(dir.Sub("a.txt")) << "one\r\ntwo\n\nfour";
  EXPECT_EQ(ReadAll(dir.Sub("a.txt")), (std::vector<std::string>{"one", "two", "", "four"}));
  std::ofstream(dir.Sub("empty.txt")) << "";
  EXPECT_TRUE(ReadAll(dir.Sub("empty.txt")).empty());
}

TEST(TextReader, AGzipFileCutAnywhereIsCorruptionNamingTheFile) {
  TempDir dir("text_gzip");
  std::string text;
  std::vector<std::string> want;
  for (int i = 0; i < 20000; ++i) {
    want.push_back("chr1\t" + std::to_string(1000 + i * 7) + "\t" + std::to_string(1200 + i * 7) +
                   "\tBARCODE-" + std::to_string(i % 97) + "\t1");
    text += want.back() + "\n";
  }
  const std::string whole = dir.Sub("whole.gz");
  gzFile gz = gzopen(whole.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  gzclose(gz);
  EXPECT_EQ(ReadAll(whole).size(), 20000u);
  std::ifstream in(whole, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  int cut_points = 0;
  for (std::size_t cut = 20; cut < bytes.size(); cut += bytes.size() / 37 + 1, ++cut_points) {
    const std::string path = dir.Sub("cut.gz");
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes.substr(0, cut);
    std::vector<std::string> lines;
    try {
      TextReader reader(path);
      std::string_view line;
      while (reader.Next(&line)) lines.emplace_back(line);
      ADD_FAILURE() << "cut at " << cut << " of " << bytes.size() << ": read " << lines.size()
                    << " lines and a clean end of file";
    } catch (const Error& e) {
      // Every line handed out before the error is whole.
      for (std::size_t i = 0; i < lines.size(); ++i)
        ASSERT_EQ(lines[i], want[i]) << "cut at " << cut << ", line " << i + 1;
      EXPECT_EQ(e.code(), ErrorCode::kCorruption) << "cut at " << cut << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(path + ":"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("ends early or is damaged"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_GT(cut_points, 30);
}

}  // namespace
}  // namespace getps
