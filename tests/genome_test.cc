#include "featurizer/genome.h"

#include <gtest/gtest.h>
#include <htslib/bgzf.h>
#include <cstdint>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "tests/test_store.h"

namespace getps {
namespace {

TEST(Genome, FetchesAndCountsAHandWrittenFasta) {
  testing_util::TempDir dir("genome");
  std::ofstream(dir.Sub("g.fa")) << ">chrA desc\nACGTACGTAC\nNNacgt\n>chrB\nGGGG\n";
  auto g = Genome::Open(dir.Sub("g.fa"));
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("g.fa.fai")));  // built next to it
  EXPECT_EQ(g->Names(), (std::vector<std::string>{"chrA", "chrB"}));
  EXPECT_EQ(g->Length("chrA"), 16);
  EXPECT_EQ(g->Fetch("chrA", 8, 14), "ACNNac");
  auto counts = g->CountBases();
  EXPECT_EQ(counts, (std::array<std::uint64_t, 4>{4, 4, 3 + 4, 3}));  // ACGTACGTAC acgt GGGG
  EXPECT_THROW(g->Fetch("chrA", 10, 17), Error);
  try {
    g->Length("chrZ");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

TEST(Genome, BgzippedFastaGetsItsGziIndex) {
  testing_util::TempDir dir("bgzf");
  const std::string text = ">chrA\nACGTACGTAC\nNNacgt\n>chrB\nGGGG\n";
  BGZF* out = bgzf_open(dir.Sub("g.fa.gz").c_str(), "w");
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(bgzf_write(out, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ASSERT_EQ(bgzf_close(out), 0);
  auto g = Genome::Open(dir.Sub("g.fa.gz"));
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("g.fa.gz.gzi")));
  EXPECT_EQ(g->Fetch("chrA", 8, 14), "ACNNac");
  EXPECT_EQ(g->Fetch("chrB", 1, 3), "GG");
}

TEST(Genome, RealChr1FromAReadOnlyFolder) {
  const std::string data = testing_util::SharedDataDir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent";
  testing_util::TempDir dir("fai");
  auto g = Genome::Open(data + "/genome/hg38_chr1_1-549900.fa", dir.path().string());
  EXPECT_EQ(g->Length("chr1"), 549900);
  EXPECT_EQ(g->Fetch("chr1", 0, 5), "NNNNN");
  // OR4F5's start codon at chr1:69,091 (1-based).
  std::string codon = g->Fetch("chr1", 69090, 69093);
  for (auto& c : codon) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(codon, "ATG");
  // The folder is marked read-only: no index is written beside the FASTA,
  // even by root, who could.
  EXPECT_FALSE(std::filesystem::exists(data + "/genome/hg38_chr1_1-549900.fa.fai"));
}

TEST(Genome, AFolderMarkedReadOnlyGetsNoIndexEvenFromRoot) {
  namespace fs = std::filesystem;
  testing_util::TempDir dir("readonly");
  fs::create_directory(dir.Sub("ro"));
  std::ofstream(dir.Sub("ro/g.fa")) << ">chrA\nACGTACGTAC\nNNacgt\n";
  fs::permissions(dir.Sub("ro"),
                  fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                  fs::perm_options::remove);
  auto g = Genome::Open(dir.Sub("ro/g.fa"), dir.Sub("cache"));
  fs::permissions(dir.Sub("ro"), fs::perms::owner_write, fs::perm_options::add);
  EXPECT_EQ(g->Fetch("chrA", 8, 14), "ACNNac");
  EXPECT_FALSE(fs::exists(dir.Sub("ro/g.fa.fai")));
  EXPECT_FALSE(fs::is_empty(dir.Sub("cache")));  // the index went to the cache
}

TEST(Genome, ADamagedIndexBesideTheFastaIsRefusedNotTrusted) {
  testing_util::TempDir dir("badfai");
  std::ofstream(dir.Sub("g.fa")) << ">chrA\nACGT\nAC\n";
  // A width of 0 bases per line: htslib would divide by it on every fetch.
  std::ofstream(dir.Sub("g.fa.fai")) << "chrA\t6\t6\t0\t1\n";
  try {
    Genome::Open(dir.Sub("g.fa"));
    FAIL() << "a width-0 index was used";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    EXPECT_EQ(std::string(e.what()),
              dir.Sub("g.fa.fai") +
                  ":1: not a FASTA index line (name, length, offset, bases per line > 0, bytes "
                  "per line >= bases) for " +
                  dir.Sub("g.fa") + ": delete the index and it is rebuilt");
  }
  std::ofstream(dir.Sub("g.fa.fai")) << "chrA\t6\n";  // cut short
  EXPECT_THROW(Genome::Open(dir.Sub("g.fa")), Error);
  std::filesystem::remove(dir.Sub("g.fa.fai"));
  EXPECT_EQ(Genome::Open(dir.Sub("g.fa"))->Fetch("chrA", 3, 6), "TAC");  // rebuilt
}

TEST(Genome, MissingOrBrokenFilesAreClearErrors) {
  testing_util::TempDir dir("badgenome");
  EXPECT_THROW(Genome::Open(dir.Sub("none.fa")), Error);
  std::ofstream(dir.Sub("bad.fa")) << "this is not fasta\n";
  EXPECT_THROW(Genome::Open(dir.Sub("bad.fa")), Error);
}

std::string OpenError(const std::string& path) {
  try {
    Genome::Open(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    return e.what();
  }
  return "";
}

TEST(Genome, BadRecordsAreRefusedBeforeIndexingNamingFileLineAndRecord) {
  testing_util::TempDir dir("badrecords");
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.Sub(name)) << text;
    return dir.Sub(name);
  };
  const auto letters = write("letters.fa", ">chr1 one\nACGTNacgtn\nACGXT\n");
  EXPECT_EQ(OpenError(letters), letters +
                                    ":3: record 'chr1', column 4: 'X' is not an IUPAC DNA letter "
                                    "(ACGTN and ambiguity codes)");
  const auto twice = write("twice.fa", ">chr1\nACGT\n>chr2\nAC\n>chr1 again\nTT\n");
  EXPECT_EQ(OpenError(twice),
            twice + ":5: sequence name 'chr1' again (first on line 1): names must be unique");
  const auto empty = write("empty.fa", ">chr1\nACGT\n>chr2\n\n>chr3\nA\n");
  EXPECT_EQ(OpenError(empty), empty + ":3: record 'chr2' has no sequence");
  const auto last = write("last.fa", ">chr1\nACGT\n>chr2\n");
  EXPECT_EQ(OpenError(last), last + ":3: record 'chr2' has no sequence");
  // A blank line inside a record, "\r" alone included (the fuzzer's find:
  // htslib indexed it as a line 0 bases wide and divided by that width).
  const auto blank = write("blank.fa", ">chr1\nACGT\n\nAC\n>chr2\nA\n");
  EXPECT_EQ(OpenError(blank), blank +
                                  ":4: record 'chr1' goes on after the blank line 3: a record's "
                                  "sequence lines must be contiguous");
  const auto cr = write("cr.fa", ">chr1\n\r\nA\nC\n");
  EXPECT_EQ(OpenError(cr), cr + ":3: record 'chr1' goes on after the blank line 2: a record's "
                                "sequence lines must be contiguous");
  const auto wider = write("wider.fa", ">chr1\nACGT\nACGTA\n");
  EXPECT_EQ(OpenError(wider), wider +
                                  ":3: record 'chr1', a line of 5 bases after lines of 4: every "
                                  "line of a record but its last must be as wide as its first");
  const auto shorter = write("shorter.fa", ">chr1\nACGT\nAC\nACGT\n");
  EXPECT_EQ(OpenError(shorter), shorter +
                                    ":4: record 'chr1', a line of 4 bases after the shorter line "
                                    "3: every line of a record but its last must be as wide as "
                                    "its first");
  // Blank lines between records and at the end are fine.
  const auto spaced = write("spaced.fa", "\n>chr1\nACGT\nAC\n\n>chr2\nGG\n\n");
  EXPECT_EQ(Genome::Open(spaced)->Fetch("chr1", 2, 6), "GTAC");
  EXPECT_EQ(OpenError(dir.path().string()),
            "genome FASTA " + dir.path().string() + " is a directory");
  EXPECT_FALSE(std::filesystem::exists(letters + ".fai"));  // nothing was indexed
  // IUPAC ambiguity codes and soft-masking are sequence.
  const auto fine = write("fine.fa", ">chrA\nACGTRYSWKMBDHVNU\nacgtryswkmbdhvnu\n");
  EXPECT_EQ(Genome::Open(fine)->Length("chrA"), 32);
}

}  // namespace
}  // namespace getps
