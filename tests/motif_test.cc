#include "featurizer/motif.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/error.h"
#include "tests/test_store.h"

namespace getps {
namespace {

std::string Write(const testing_util::TempDir& dir, const std::string& name,
                  const std::string& text) {
  std::ofstream(dir.Sub(name)) << text;
  return dir.Sub(name);
}

std::string ErrorOf(const std::string& path) {
  try {
    ReadMotifs(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Motifs, ReadsMemeJasparAndHomer) {
  testing_util::TempDir dir("motifs");
  auto meme = Write(dir, "a.meme",
                    "MEME version 4\n\nALPHABET= ACGT\n\nMOTIF M1 alt1\nletter-probability matrix: "
                    "alength= 4 w= 2\n"
                    "0.5 0.5 0 0\n 0.1 0.2 0.3 0.4\n\nMOTIF M2\nletter-probability matrix: "
                    "alength= 4 w= 1 nsites= 3\n"
                    "1 0 0 0\n");
  auto m = ReadMotifs(meme);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].name, "M1");
  EXPECT_EQ(m[0].alt_name, "alt1");
  ASSERT_EQ(m[0].width(), 2u);
  EXPECT_DOUBLE_EQ(m[0].probs[1][3], 0.4);
  auto jaspar = Write(dir, "b.jaspar",
                      ">MA0004.1 Arnt\nA  [ 4 19 ]\nC  [16  0 ]\nG  [ 0  1 ]\nT  [ 0  0 ]\n");
  auto j = ReadMotifs(jaspar);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0].alt_name, "Arnt");
  EXPECT_DOUBLE_EQ(j[0].probs[0][1], 0.8);
  EXPECT_DOUBLE_EQ(j[0].probs[1][0], 0.95);
  auto homer = Write(dir, "c.motif", ">ACG\tmyTF\t6.5\n0.9\t0.05\t0.05\t0\n0.1\t0.8\t0.1\t0\n");
  auto h = ReadMotifs(homer);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].name, "myTF");
  EXPECT_EQ(h[0].width(), 2u);
}

TEST(Motifs, BadInputNamesFileLineAndProblem) {
  testing_util::TempDir dir("badmotifs");
  EXPECT_EQ(
      ErrorOf(Write(
          dir, "sum.meme",
          "MEME version 4\nMOTIF X\nletter-probability matrix: alength= 4 w= 1\n0.5 0.5 0.5 0\n")),
      dir.Sub("sum.meme") + ":4: motif X: row sums to 1.500000, expected 1 (within 0.020000)");
  EXPECT_NE(ErrorOf(Write(dir, "rna.meme", "MEME version 4\nALPHABET= ACGU\n"))
                .find(":2: alphabet 'ACGU'"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(
          Write(dir, "short.meme",
                "MEME version 4\nMOTIF X\nletter-probability matrix: alength= 4 w= 3\n1 0 0 0\n"))
          .find("file ends inside its matrix"),
      std::string::npos);
  EXPECT_NE(ErrorOf(Write(dir, "nan.meme",
                          "MEME version 4\nMOTIF X\nletter-probability matrix: w= 1\n1 0 x 0\n"))
                .find(":4: expected a non-negative number, got 'x'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Write(dir, "j.jaspar", ">M1 x\nA [1 2]\nU [1 2]\nG [1 2]\nT [1 2]\n"))
                .find("expected row 'C', got 'U'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Write(dir, "none.txt", "hello\n")).find("not a motif file"), std::string::npos);
}

TEST(Motifs, AnUnreadableMemeHeaderValueNamesTheLine) {
  testing_util::TempDir dir("memeheader");
  const std::string head = "MEME version 4\n\nMOTIF M1\nletter-probability matrix: ";
  EXPECT_EQ(ErrorOf(Write(dir, "alength.meme", head + "alength= x w= 1\n1 0 0 0\n")),
            dir.Sub("alength.meme") + ":4: motif M1: alength= 'x': expected a whole number");
  EXPECT_EQ(ErrorOf(Write(dir, "width.meme", head + "alength= 4 w= 2.5\n1 0 0 0\n")),
            dir.Sub("width.meme") + ":4: motif M1: w= '2.5': expected a whole number");
  EXPECT_EQ(ErrorOf(Write(dir, "empty.meme", head + "alength= 4 w=\n1 0 0 0\n")),
            dir.Sub("empty.meme") + ":4: motif M1: w= '': expected a whole number");
  EXPECT_EQ(ErrorOf(Write(dir, "rna.meme", head + "alength= 20 w= 1\n1 0 0 0\n")),
            dir.Sub("rna.meme") + ":4: motif M1: alength must be 4 (DNA)");
}

TEST(Motifs, RealVierstraAndJasparFilesParse) {
  const std::string data = testing_util::SharedDataDir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent";
  std::size_t total = 0;
  for (const char* f :
       {"HOCOMOCOv11_core_HUMAN_mono_meme_format.meme",
        "HOCOMOCOv11_core_MOUSE_mono_meme_format.meme",
        "JASPAR2018_CORE_vertebrates_non-redundant_pfms.meme", "table_s3-1.meme", "table_s3-2.meme",
        "table_s3-3.meme", "table_s3-4.meme", "table_s3-5.meme", "table_s3-6.meme"}) {
    total += ReadMotifs(data + "/motifs/vierstra-v1.0/" + f).size();
  }
  EXPECT_EQ(total, 2179u);
  EXPECT_EQ(ReadMotifs(data + "/motifs/JASPAR2024_CORE_nonredundant.meme").size(), 2346u);
}

}  // namespace
}  // namespace getps
