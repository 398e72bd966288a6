#include "featurizer/annotation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "common/error.h"
#include "featurizer/accessibility.h"
#include "tests/test_store.h"

namespace getps {
namespace {

const GeneTss* Find(const std::vector<GeneTss>& genes, const std::string& name) {
  auto it =
      std::find_if(genes.begin(), genes.end(), [&](const GeneTss& g) { return g.name == name; });
  return it == genes.end() ? nullptr : &*it;
}

TEST(Annotation, RealGencodeTssPerStrand) {
  const std::string data = testing_util::SharedDataDir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent";
  auto genes = ReadGtfTss(data + "/annotation/gencode_v29_chr1_head.gtf.gz");
  EXPECT_EQ(genes.size(), 119u);
  const GeneTss* ddx = Find(genes, "DDX11L1");  // chr1 11869-14409 +
  ASSERT_NE(ddx, nullptr);
  EXPECT_EQ(ddx->strand, '+');
  EXPECT_EQ(ddx->tss, 11868u);
  const GeneTss* wash = Find(genes, "WASH7P");  // chr1 14404-29570 -
  ASSERT_NE(wash, nullptr);
  EXPECT_EQ(wash->strand, '-');
  EXPECT_EQ(wash->tss, 29569u);
  const GeneTss* or4f5 = Find(genes, "OR4F5");  // chr1 65419-71585 +
  ASSERT_NE(or4f5, nullptr);
  EXPECT_EQ(or4f5->tss, 65418u);
}

TEST(Annotation, GeneIdsWithoutVersionAndMergedExonLengths) {
  const std::string data = testing_util::SharedDataDir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent";
  auto genes = ReadGtfTss(data + "/annotation/gencode_v29_chr1_head.gtf.gz");
  const GeneTss* ddx = Find(genes, "DDX11L1");  // ENSG00000223972.5
  ASSERT_NE(ddx, nullptr);
  EXPECT_EQ(ddx->id, "ENSG00000223972");
  // Its exons merged (zcat ... | awk '$3=="exon" && /DDX11L1/'): 11869-12227,
  // 12613-12721, 12975-13052, 13221-14409.
  EXPECT_EQ(ddx->length, 359u + 109u + 78u + 1189u);
  EXPECT_EQ(WithoutVersion("ENSG00000141510.17"), "ENSG00000141510");
  EXPECT_EQ(WithoutVersion("HLA-DRB1"), "HLA-DRB1");
  EXPECT_EQ(WithoutVersion("RP11-34P13.7x"), "RP11-34P13.7x");
  EXPECT_EQ(WithoutVersion("AC.1"), "AC");
}

TEST(Annotation, GeneWithoutExonsTakesItsSpan) {
  testing_util::TempDir dir("gtf");
  std::ofstream(dir.Sub("g.gtf")) << "chr1\tsim\tgene\t101\t4100\t.\t+\t.\tgene_id \"SIMG1.1\"; "
                                     "gene_name \"SIMG1\";\n";
  auto genes = ReadGtfTss(dir.Sub("g.gtf"));
  ASSERT_EQ(genes.size(), 1u);
  EXPECT_EQ(genes[0].length, 4000u);
  EXPECT_EQ(genes[0].id, "SIMG1");
}

TEST(Annotation, RealPbmcExpressionTable) {
  const std::string data = testing_util::SharedDataDir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent";
  ExpressionTable t = ReadExpression(data + "/expression/pbmc_rna_tpm.csv", false);
  EXPECT_EQ(t.celltypes, (std::vector<std::string>{"TPM"}));
  EXPECT_GT(t.of_gene.size(), 36000u);
  EXPECT_DOUBLE_EQ(t.of_gene.at("OR4F5")[0], 0.00552486187845304);
  ExpressionTable logged = ReadExpression(data + "/expression/pbmc_rna_tpm.csv", true);
  EXPECT_DOUBLE_EQ(logged.of_gene.at("OR4F5")[0], std::log10(1.00552486187845304));
}

TEST(Annotation, BadInputsNameFileAndLine) {
  testing_util::TempDir dir("annot");
  std::ofstream(dir.Sub("g.gtf")) << "chr1\tx\tgene\t10\t20\t.\t*\t.\tgene_name \"A\";\n";
  try {
    ReadGtfTss(dir.Sub("g.gtf"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), dir.Sub("g.gtf") + ":1: strand must be + or -, got '*'");
  }
  std::ofstream(dir.Sub("e.tsv")) << "gene\tB\tT\nG1\t1\t2\nG2\t-3\t1\n";
  try {
    ReadExpression(dir.Sub("e.tsv"), false);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find(":3: expression '-3' of G2 in B is not a non-negative number"),
        std::string::npos);
  }
}

TEST(Accessibility, CountMatrixRowsMustBeRegions) {
  testing_util::TempDir dir("matrix");
  RegionIndex regions = RegionIndex::FromUnsorted({{"chr1", 100, 200}, {"chr1", 300, 400}});
  std::ofstream(dir.Sub("m.tsv"))
      << "chrom\tstart\tend\tB\tT\nchr1\t300\t400\t5\t0\nchr1\t100\t200\t1\t2\n";
  AccessibilityCounts c = ReadCountMatrix(dir.Sub("m.tsv"), regions);
  EXPECT_EQ(c.celltypes, (std::vector<std::string>{"B", "T"}));
  EXPECT_EQ(c.counts[0], (std::vector<float>{1, 5}));
  EXPECT_DOUBLE_EQ(c.library_size[1], 2);
  std::ofstream(dir.Sub("bad.tsv")) << "chrom\tstart\tend\tB\nchr1\t100\t250\t1\n";
  try {
    ReadCountMatrix(dir.Sub("bad.tsv"), regions);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(":2: row chr1:100-250 is not a region of the peak set"),
              std::string::npos);
  }
  EXPECT_FLOAT_EQ(LogCpm(5, 1e6, 1e6), static_cast<float>(std::log10(6.0)));
}

}  // namespace
}  // namespace getps
