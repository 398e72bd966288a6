#include "featurizer/simulate_rna.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <cmath>

#include "featurizer/pseudobulk.h"
#include "tests/test_store.h"

namespace getps {
namespace {

TEST(SimulateRna, CpmPseudobulkReproducesTheTable) {
  testing_util::TempDir dir("simrna");
  const std::vector<std::string> genes = {"G1", "G2", "G3"};
  const std::vector<std::vector<double>> tpm = {{1.5, 0.0}, {30.123456, 2.25}, {0.00004, 7.0}};
  WriteSimulatedRna(dir.Sub("rna.h5"), genes, tpm, 3);
  BarcodeTable table;
  table.celltypes = {"celltype_0", "celltype_1"};
  table.cells = {3, 3};
  for (int c = 0; c < 2; ++c) {
    for (int i = 0; i < 3; ++i) {
      const std::string b = "CT" + std::to_string(c) + "-" + std::to_string(i) + "-1";
      table.celltype_of.Insert(b, c);
      table.barcodes.push_back(b);
      table.barcode_celltype.push_back(c);
    }
  }
  const std::vector<GeneTss> annotated = {
      {"G1", "chr1", 0, '+', "", 0}, {"G2", "chr1", 9, '+', "", 0}, {"G3", "chr1", 99, '+', "", 0}};
  PseudobulkReport r;
  const ExpressionTable t =
      Pseudobulk({{dir.Sub("rna.h5"), &table}}, table.celltypes, annotated, "t", {}, &r);
  for (std::size_t g = 0; g < genes.size(); ++g) {
    for (std::size_t c = 0; c < 2; ++c)
      EXPECT_NEAR(t.of_gene.at(genes[g])[c], std::log10(tpm[g][c] + 1), 5e-5) << genes[g];
  }
  EXPECT_EQ(r.unmatched, 1u);  // SIM_OTHER, the rest of the transcriptome
  EXPECT_EQ(r.not_genes, 1u);  // the Multiome-style peak
  EXPECT_EQ(r.cells, (std::vector<std::int64_t>{3, 3}));
}

}  // namespace
}  // namespace getps
