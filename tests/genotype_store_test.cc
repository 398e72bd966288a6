#include "storage/genotype_store.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <filesystem>

#include "common/error.h"
#include "test_store.h"

namespace getps {
namespace {

using testing_util::TempDir;

TEST(SparseDelta, KeepsOnlyTheChangedFeatures) {
  const std::vector<float> before{1, 2, 3, 4}, after{1, 2.5f, 3, 0};
  const SparseDelta d = SparseDelta::Between(before, after);
  EXPECT_EQ(d.features, (std::vector<std::uint16_t>{1, 3}));
  EXPECT_EQ(d.deltas, (std::vector<float>{0.5f, -4}));
  std::vector<float> row = before;
  d.AddTo(row);
  EXPECT_EQ(row, after);
  EXPECT_TRUE(SparseDelta::Between(before, before).empty());
}

TEST(GenotypeStore, WhatIsWrittenReadsBack) {
  TempDir dir("genotype_store");
  const std::string path = dir.Sub("g");
  auto writer = GenotypeWriter::Create(path, false);
  EXPECT_THROW(GenotypeReader::Open(path), Error);  // not finished: nothing to read
  writer->PutPersonDelta(1, 7, {{0, 4}, {0.25f, -1}});
  writer->PutPersonDelta(1, 300, {{2}, {3}});
  writer->PutPersonDelta(0, 7, {{4}, {0.125f}});
  writer->PutAlleleDelta(7, 0, {{0}, {0.5f}});
  writer->PutAlleleDelta(7, 2, {{4}, {-2}});
  writer->PutAlleleDelta(300, 2, {{1}, {0.75f}});
  writer->PutVariant(0, {"chr1", 99, "A", "G", 7, ""}, std::vector<std::uint8_t>{1, 2});
  writer->PutVariant(1, {"chrX", 5, "C", "<DEL>", kNoRegion, "symbolic"}, {});
  GenotypeMetadata meta;
  meta.store = "S";
  meta.store_fingerprint = "fp";
  meta.vcf = "v.vcf";
  meta.individuals = {"A", "B"};
  meta.num_features = 5;
  meta.counts = {{"alleles_stored", 3}};
  meta.expression_celltypes = {"blood"};
  writer->PutExpression(0, 1, std::vector<float>{1.5f, -2});
  writer->Finish(meta);

  auto reader = GenotypeReader::Open(path);
  EXPECT_EQ(reader->metadata().individuals, meta.individuals);
  EXPECT_EQ(reader->metadata().store_fingerprint, "fp");
  EXPECT_EQ(reader->IndividualIndex("B"), 1);
  EXPECT_THROW(reader->IndividualIndex("Q"), Error);
  EXPECT_EQ(reader->PersonDelta(1, 7).features, (std::vector<std::uint16_t>{0, 4}));
  EXPECT_EQ(reader->PersonDelta(1, 7).deltas, (std::vector<float>{0.25f, -1}));
  EXPECT_TRUE(reader->PersonDelta(0, 300).empty());
  auto regions = [&](std::uint16_t who) {
    std::vector<std::uint32_t> out;
    for (const auto& [region, delta] : reader->PersonDeltas(who)) out.push_back(region);
    return out;
  };
  EXPECT_EQ(regions(1), (std::vector<std::uint32_t>{7, 300}));
  EXPECT_EQ(regions(0), (std::vector<std::uint32_t>{7}));
  EXPECT_EQ(reader->PersonDeltas(1)[1].second.deltas, (std::vector<float>{3}));
  const auto alleles = reader->AlleleDeltas(7);
  ASSERT_EQ(alleles.size(), 2u);
  EXPECT_EQ(alleles[1].first, 2u);
  EXPECT_EQ(alleles[1].second.deltas, (std::vector<float>{-2}));
  const auto v = reader->Variant(0);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->alt, "G");
  EXPECT_EQ(v->region, 7u);
  EXPECT_EQ(v->status, "");
  const auto skipped = reader->Variant(1);
  ASSERT_TRUE(skipped.has_value());
  EXPECT_EQ(skipped->region, kNoRegion);
  EXPECT_EQ(skipped->status, "symbolic");
  EXPECT_FALSE(reader->Variant(2).has_value());
  const auto all = reader->AllAlleleDeltas();  // by region, then variant
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(std::make_pair(all[0].region, all[0].variant), std::make_pair(7u, 0u));
  EXPECT_EQ(std::make_pair(all[1].region, all[1].variant), std::make_pair(7u, 2u));
  EXPECT_EQ(std::make_pair(all[2].region, all[2].variant), std::make_pair(300u, 2u));
  EXPECT_EQ(all[2].delta.deltas, (std::vector<float>{0.75f}));
  EXPECT_EQ(reader->Dosages(0), (std::vector<std::uint8_t>{1, 2}));
  EXPECT_EQ(reader->NumVariants(), 3u);
  EXPECT_EQ(reader->metadata().expression_celltypes, std::vector<std::string>{"blood"});
  EXPECT_EQ(reader->Expression(0, 1), (std::vector<float>{1.5f, -2}));
  EXPECT_TRUE(reader->Expression(0, 0).empty());
}

TEST(GenotypeStore, RefusesToReplaceWithoutOverwrite) {
  TempDir dir("genotype_overwrite");
  const std::string path = dir.Sub("g");
  GenotypeWriter::Create(path, false)->Finish({});
  EXPECT_THROW(GenotypeWriter::Create(path, false), Error);
  GenotypeMetadata meta;
  meta.individuals = {"X"};
  GenotypeWriter::Create(path, true)->Finish(meta);
  EXPECT_EQ(GenotypeReader::Open(path)->metadata().individuals, meta.individuals);
  EXPECT_THROW(GenotypeReader::Open(dir.Sub("none")), Error);
}

TEST(GenotypeStore, AWriterThatNeverFinishesLeavesNothingAndTheStoreBeforeIt) {
  TempDir dir("genotype_unfinished");
  const std::string path = dir.Sub("g");
  GenotypeMetadata meta;
  meta.individuals = {"KEPT"};
  GenotypeWriter::Create(path, false)->Finish(meta);
  {
    auto writer = GenotypeWriter::Create(path, true);  // e.g. an import that then fails
    writer->PutPersonDelta(0, 1, {{0}, {1}});
    EXPECT_TRUE(std::filesystem::exists(path + ".writing"));
  }
  EXPECT_FALSE(std::filesystem::exists(path + ".writing"));
  EXPECT_EQ(GenotypeReader::Open(path)->metadata().individuals, meta.individuals);
}

}  // namespace
}  // namespace getps
