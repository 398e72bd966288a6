#include "featurizer/individual_expression.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "common/error.h"
#include "storage/store_reader.h"
#include "test_store.h"

namespace getps {
namespace {

using testing_util::TempDir;

TEST(ParseIndividualExpression, TakesCellTypeFilePairs) {
  const auto inputs = ParseIndividualExpression("blood=a.tsv,liver=/x/b.csv");
  ASSERT_EQ(inputs.size(), 2u);
  EXPECT_EQ(inputs[0].celltype, "blood");
  EXPECT_EQ(inputs[1].path, "/x/b.csv");
  EXPECT_TRUE(ParseIndividualExpression("").empty());
  EXPECT_THROW(ParseIndividualExpression("a.tsv"), Error);
  EXPECT_THROW(ParseIndividualExpression("blood="), Error);
}

TEST(ReadIndividualExpression, AlignsGenesAndPeopleAndNamesTheMissing) {
  TempDir dir("individual_expression");
  testing_util::WriteHandStore(dir.Sub("store"));
  auto store = StoreReader::Open(dir.Sub("store"));
  const std::string table = dir.Sub("people.tsv");
  std::ofstream(table) << "gene\tP2\tP1\tOTHER\nGENE10\t3\t1\t9\nNOPE\t1\t1\t1\nGENE0\t0\t99\t9\n";
  const auto genes = store->Genes();
  auto index = [&](const std::string& name) {
    for (std::size_t g = 0; g < genes.size(); ++g)
      if (genes[g].name == name) return g;
    return genes.size();
  };
  const IndividualExpression e =
      ReadIndividualExpression({"third", table}, *store, {"P1", "P2"}, false);
  EXPECT_EQ(e.celltype, store->CellTypeIndex("third"));
  EXPECT_EQ(e.genes_matched, 2u);
  EXPECT_EQ(e.genes_unknown, 1u);
  EXPECT_EQ(e.columns_ignored, 1u);
  ASSERT_EQ(e.of_individual.size(), 2u);
  EXPECT_EQ(e.of_individual[0][index("GENE10")], 1.0f);  // P1
  EXPECT_EQ(e.of_individual[1][index("GENE10")], 3.0f);  // P2
  EXPECT_EQ(e.of_individual[0][index("GENE0")], 99.0f);
  EXPECT_TRUE(std::isnan(e.of_individual[0][index("GENE20")]));
  const IndividualExpression logged =
      ReadIndividualExpression({"third", table}, *store, {"P1", "P2"}, true);
  EXPECT_FLOAT_EQ(logged.of_individual[1][index("GENE10")], std::log10(4.0f));
  try {
    ReadIndividualExpression({"third", table}, *store, {"P1", "P3"}, false);
    FAIL() << "a missing individual was accepted";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what())
                  .find(table + ": no column for 1 of the 2 individuals of the "
                                "VCF (P3)"),
              std::string::npos)
        << err.what();
  }
  EXPECT_THROW(ReadIndividualExpression({"liver", table}, *store, {"P1"}, false), Error);
}

}  // namespace
}  // namespace getps
