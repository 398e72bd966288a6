#include "featurizer/vcf_reader.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <fstream>

#include "common/error.h"
#include "test_store.h"

namespace getps {
namespace {

using testing_util::TempDir;

constexpr char kHeader[] =
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=chr1,length=100000>\n"
    "##FILTER=<ID=q10,Description=\"low quality\">\n"
    "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\tC\n";

std::string Write(const TempDir& dir, const std::string& records) {
  const std::string path = dir.Sub("calls.vcf");
  std::ofstream(path) << kHeader << records;
  return path;
}

std::vector<VcfSite> ReadAll(const std::string& path, const VcfOptions& options = {}) {
  auto reader = VcfReader::Open(path, options);
  std::vector<VcfSite> sites;
  VcfSite site;
  while (reader->Next(&site)) sites.push_back(site);
  return sites;
}

// The error message of reading `records`, or "" when they read.
std::string ErrorOf(const std::string& records) {
  TempDir dir("vcf_error");
  try {
    ReadAll(Write(dir, records));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(VcfReader, GivesEachSamplesAllelesAndPhase) {
  TempDir dir("vcf_calls");
  const auto sites = ReadAll(Write(dir,
                                   "chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT\t0|1\t1/1\t./.\n"
                                   "chr1\t200\t.\tAC\tA,ACC\t.\t.\t.\tGT\t1|2\t0/2\t1\n"
                                   "chr1\t300\t.\tG\t<DEL>,*\t20\tPASS\t.\tGT\t0/1\t0/2\t0/0\n"));
  ASSERT_EQ(sites.size(), 3u);
  EXPECT_EQ(sites[0].chrom, "chr1");
  EXPECT_EQ(sites[0].pos, 99);
  EXPECT_EQ(sites[0].ref, "A");
  EXPECT_EQ(sites[0].alts, std::vector<std::string>{"G"});
  EXPECT_EQ(sites[0].alleles, (std::vector<std::int8_t>{0, 1, 1, 1, -1, -1}));
  EXPECT_EQ(sites[0].phased, (std::vector<std::uint8_t>{1, 0, 0}));
  EXPECT_EQ(sites[0].where, dir.Sub("calls.vcf") + ": line 6");
  // Multi-allelic; a haploid call counts twice.
  EXPECT_EQ(sites[1].alts, (std::vector<std::string>{"A", "ACC"}));
  EXPECT_EQ(sites[1].alleles, (std::vector<std::int8_t>{1, 2, 0, 2, 1, 1}));
  EXPECT_EQ(sites[1].phased, (std::vector<std::uint8_t>{1, 0, 1}));
  EXPECT_EQ(sites[2].symbolic, (std::vector<bool>{true, true}));
}

TEST(VcfReader, FiltersBySampleQualityAndFilter) {
  TempDir dir("vcf_filters");
  const std::string path = Write(dir,
                                 "chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT\t0|1\t1/1\t0/0\n"
                                 "chr1\t150\t.\tA\tT\t5\tPASS\t.\tGT\t0|1\t1/1\t0/0\n"
                                 "chr1\t200\t.\tC\tT\t.\tq10\t.\tGT\t0|1\t1/1\t0/0\n");
  VcfOptions options;
  options.samples = {"C", "A"};
  options.min_qual = 10;
  options.pass_only = true;
  auto reader = VcfReader::Open(path, options);
  EXPECT_EQ(reader->samples(), (std::vector<std::string>{"C", "A"}));
  EXPECT_EQ(reader->contigs(), std::vector<std::string>{"chr1"});
  VcfSite site;
  ASSERT_TRUE(reader->Next(&site));
  EXPECT_EQ(site.pos, 99);
  EXPECT_EQ(site.alleles, (std::vector<std::int8_t>{0, 0, 0, 1}));
  EXPECT_FALSE(reader->Next(&site));
  EXPECT_EQ(reader->counts().read, 3u);
  EXPECT_EQ(reader->counts().low_qual, 1u);
  EXPECT_EQ(reader->counts().not_passed, 1u);
  options.samples = {"A", "Z"};
  try {
    VcfReader::Open(path, options);
    FAIL() << "an unknown sample was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("no sample 'Z'"), std::string::npos) << e.what();
  }
}

TEST(VcfReader, MalformedRecordsNameTheLineAndTheProblem) {
  const std::string good = "chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT\t0|1\t1/1\t0/0\n";
  std::string e = ErrorOf(good + "chr1\t200\t.\tA\tG\t50\tPASS\t.\tGT\t0|1\t1/1\n");
  EXPECT_NE(e.find("line 7: 11 columns; expected 12 (8 fixed, FORMAT and 3 samples)"),
            std::string::npos)
      << e;
  e = ErrorOf(good + "chr1\t200\t.\tAXA\tG\t50\tPASS\t.\tGT\t0|1\t1/1\t0/0\n");
  EXPECT_NE(e.find("line 7: REF 'AXA': expected bases A, C, G, T or N"), std::string::npos) << e;
  e = ErrorOf(good + "chr1\t200\t.\tA\tG!\t50\tPASS\t.\tGT\t0|1\t1/1\t0/0\n");
  EXPECT_NE(e.find("line 7: ALT 'G!'"), std::string::npos) << e;
  e = ErrorOf(good + "chr1\t200\t.\tA\tG\t50\tPASS\t.\tGT\t0|3\t1/1\t0/0\n");
  EXPECT_NE(e.find("line 7: sample A has allele 3: the site has 1 ALT allele(s)"),
            std::string::npos)
      << e;
  e = ErrorOf(good + "chr1\tabc\t.\tA\tG\t50\tPASS\t.\tGT\t0|1\t1/1\t0/0\n");
  EXPECT_NE(e.find("line 7: POS: expected a position of 1 or more"), std::string::npos) << e;
  EXPECT_EQ(ErrorOf(good), "");
}

TEST(VcfReader, AMissingOrForeignFileIsAClearError) {
  TempDir dir("vcf_missing");
  EXPECT_THROW(VcfReader::Open(dir.Sub("none.vcf"), {}), Error);
  const std::string text = dir.Sub("not.vcf");
  std::ofstream(text) << "this is not a VCF\n";
  try {
    VcfReader::Open(text, {});
    FAIL() << "a text file was read as a VCF";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace getps
