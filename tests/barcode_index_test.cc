#include "featurizer/barcode_index.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_map>

namespace getps {
namespace {

TEST(BarcodeIndex, FindsWhatWasInsertedAndNothingElseThroughManyGrowths) {
  BarcodeIndex index;
  EXPECT_EQ(index.Find("AAAC-1"), -1);  // empty
  std::unordered_map<std::string, int> want;
  for (int i = 0; i < 40000; ++i) {
    const std::string barcode =
        "BC" + std::to_string(i * 7919 % 100003) + "-" + std::to_string(1 + i % 3);
    const int celltype = i % 16;
    const auto [it, added] = want.emplace(barcode, celltype);
    EXPECT_EQ(index.Insert(barcode, celltype), added ? -1 : it->second) << barcode;
  }
  EXPECT_EQ(index.size(), want.size());
  for (const auto& [barcode, celltype] : want) ASSERT_EQ(index.Find(barcode), celltype) << barcode;
  // Prefixes, extensions and near misses are not found; the empty string is
  // a barcode like any other.
  EXPECT_EQ(index.Find("BC"), -1);
  EXPECT_EQ(index.Find("BC0-1x"), -1);
  EXPECT_EQ(index.Find("BC0-2"), want.count("BC0-2") ? want["BC0-2"] : -1);
  EXPECT_EQ(index.Find(""), -1);
  EXPECT_EQ(index.Insert("", 3), -1);
  EXPECT_EQ(index.Find(""), 3);
  // Inserting again keeps the first cell type and says which it was.
  EXPECT_EQ(index.Insert("BC0-1", 9), want["BC0-1"]);
  EXPECT_EQ(index.Find("BC0-1"), want["BC0-1"]);
}

}  // namespace
}  // namespace getps
