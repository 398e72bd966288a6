#include "storage/people_source.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <cmath>
#include <limits>

#include "common/error.h"
#include "storage/batch_assembler.h"
#include "storage/store_reader.h"
#include "test_store.h"

namespace getps {
namespace {

using testing_util::TempDir;

constexpr float kNan = std::numeric_limits<float>::quiet_NaN();

// Person k's value of the gene at region `id`: k + id / 1000 (so never the
// reference's 0.5); person 2 lacks GENE20.
float PersonValue(std::uint16_t k, std::int64_t id) {
  if (k == 2 && id == 20) return kNan;
  return static_cast<float>(k) + static_cast<float>(id) / 1000.0f;
}

// Three people; person 1 differs at region 5. Expression for cell type
// "all" (0) only.
std::string WriteCohort(const TempDir& dir, const StoreReader& store, bool expression = true) {
  const std::string path = dir.Sub(expression ? "g" : "g_bare");
  auto writer = GenotypeWriter::Create(path, false);
  writer->PutPersonDelta(1, 5, {{0, 3}, {2.5f, -1}});
  const auto genes = store.Genes();
  for (std::uint16_t k = 0; expression && k < 3; ++k) {
    std::vector<float> values;
    for (const auto& g : genes) values.push_back(PersonValue(k, g.region_id));
    writer->PutExpression(0, k, values);
  }
  GenotypeMetadata meta;
  meta.store = store.path();
  meta.store_fingerprint = store.fingerprint();
  meta.individuals = {"P0", "P1", "P2"};
  meta.num_features = testing_util::kMotifs;
  if (expression) meta.expression_celltypes = {"all"};
  writer->Finish(meta);
  return path;
}

class PeopleSourceTest : public testing::Test {
 protected:
  void SetUp() override {
    testing_util::WriteHandStore(dir_.Sub("store"));
    store_ = StoreReader::Open(dir_.Sub("store"));
    genotypes_ = GenotypeReader::Open(WriteCohort(dir_, *store_));
  }
  TempDir dir_{"people_source"};
  std::unique_ptr<StoreReader> store_;
  std::unique_ptr<GenotypeReader> genotypes_;
};

TEST_F(PeopleSourceTest, APersonsWindowHasTheirFeaturesAndTheirExpressionAtEveryTss) {
  const PeopleSource people(*store_, *genotypes_);
  EXPECT_EQ(people.people(), 3u);
  EXPECT_EQ(people.celltypes(), std::vector<int>{0});
  const BatchAssembler reference(*store_, {20, AtacMode::kQuantitative});
  const BatchAssembler assembler(*store_, {20, AtacMode::kQuantitative, &people});
  Window person{0, 0, 0, 1};
  Batch want, got;
  reference.Assemble(std::vector<Window>{{0, 0, 0}}, &want);
  GenotypeOverlay(*store_, *genotypes_, 1).ApplyToSlot(&want, 0);
  assembler.Assemble(std::vector<Window>{person}, &got);
  EXPECT_EQ(got.features, want.features);  // the overlay's features
  EXPECT_EQ(got.windows[0], person);
  for (std::uint32_t r = 0; r < 20; ++r) {
    // The hand store's TSS entries (+ strand of every tenth region) are the
    // person's; the - strand, without a gene, keeps the reference's 1.5.
    const bool tss = r % 10 == 0;
    EXPECT_FLOAT_EQ(got.expression[2 * r], tss ? PersonValue(1, r) : 0.0f) << r;
    EXPECT_FLOAT_EQ(got.expression[2 * r + 1], want.expression[2 * r + 1]) << r;
    EXPECT_EQ(got.tss_mask[2 * r], want.tss_mask[2 * r]);
  }
}

TEST_F(PeopleSourceTest, AMissingValueKeepsTheReferenceLabelAndTheReferenceWindowIsUntouched) {
  const PeopleSource people(*store_, *genotypes_);
  const BatchAssembler assembler(*store_, {30, AtacMode::kQuantitative, &people});
  Batch got;
  assembler.Assemble(std::vector<Window>{{0, 0, 0, 2}, {0, 0, 0}}, &got);
  EXPECT_FLOAT_EQ(got.expression[2 * 10], PersonValue(2, 10));
  EXPECT_FLOAT_EQ(got.expression[2 * 20], 0.5f);  // GENE20: no value for person 2
  Batch plain;
  BatchAssembler(*store_, {30, AtacMode::kQuantitative})
      .Assemble(std::vector<Window>{{0, 0, 0}}, &plain);
  const std::size_t per_window = 30 * got.num_features;
  EXPECT_TRUE(std::equal(plain.features.begin(), plain.features.end(),
                         got.features.begin() + static_cast<std::ptrdiff_t>(per_window)));
  EXPECT_TRUE(
      std::equal(plain.expression.begin(), plain.expression.end(), got.expression.begin() + 60));
}

// A store that records its --min-acpm: the person's value wherever the region
// is accessible enough, even where the reference does not express the gene;
// 0 where it is not (the reference's label there is 0 too).
TEST(PeopleSourceMinAcpm, APersonIsLabelledWhereTheRegionIsAccessibleEnough) {
  for (const double min_acpm : {0.2, 0.4}) {  // cell type "all": TSS regions at log10(2)
    testing_util::TempDir dir("people_min_acpm");
    testing_util::HandStoreSpec spec;
    spec.min_acpm = min_acpm;
    spec.unexpressed_tss = {20};
    testing_util::WriteHandStore(dir.Sub("store"), spec);
    const auto store = StoreReader::Open(dir.Sub("store"));
    EXPECT_EQ(store->metadata().min_acpm, min_acpm);
    const auto genotypes = GenotypeReader::Open(WriteCohort(dir, *store));
    const PeopleSource people(*store, *genotypes);
    Batch reference, person;
    BatchAssembler(*store, {30, AtacMode::kQuantitative})
        .Assemble(std::vector<Window>{{0, 0, 0}}, &reference);
    BatchAssembler(*store, {30, AtacMode::kQuantitative, &people})
        .Assemble(std::vector<Window>{{0, 0, 0, 1}}, &person);
    const bool accessible = min_acpm < 0.3;
    EXPECT_FLOAT_EQ(reference.expression[2 * 10], accessible ? 0.5f : 0.0f);
    EXPECT_FLOAT_EQ(reference.expression[2 * 20], 0.0f);  // not expressed in the reference
    for (const std::uint32_t r : {0u, 10u, 20u})
      EXPECT_FLOAT_EQ(person.expression[2 * r], accessible ? PersonValue(1, r) : 0.0f) << r;
  }
}

// Without a recorded --min-acpm (older stores) a reference label of 0 stays.
TEST(PeopleSourceMinAcpm, AStoreWithoutItKeepsTheReferencesZeros) {
  testing_util::TempDir dir("people_no_min_acpm");
  testing_util::HandStoreSpec spec;
  spec.unexpressed_tss = {20};
  testing_util::WriteHandStore(dir.Sub("store"), spec);
  const auto store = StoreReader::Open(dir.Sub("store"));
  EXPECT_EQ(store->metadata().min_acpm, -1);
  const auto genotypes = GenotypeReader::Open(WriteCohort(dir, *store));
  const PeopleSource people(*store, *genotypes);
  Batch person;
  BatchAssembler(*store, {30, AtacMode::kQuantitative, &people})
      .Assemble(std::vector<Window>{{0, 0, 0, 1}}, &person);
  EXPECT_FLOAT_EQ(person.expression[2 * 10], PersonValue(1, 10));
  EXPECT_FLOAT_EQ(person.expression[2 * 20], 0.0f);
}

TEST_F(PeopleSourceTest, RefusesWindowsItCannotMake) {
  const PeopleSource people(*store_, *genotypes_);
  Batch b;
  const BatchAssembler with(*store_, {10, AtacMode::kQuantitative, &people});
  EXPECT_THROW(with.Assemble(std::vector<Window>{{0, 0, 0, 3}}, &b), Error);  // no 4th person
  EXPECT_THROW(with.Assemble(std::vector<Window>{{1, 0, 0, 0}}, &b), Error);  // no expression
  const BatchAssembler without(*store_, {10, AtacMode::kQuantitative});
  EXPECT_THROW(without.Assemble(std::vector<Window>{{0, 0, 0, 0}}, &b), Error);
  auto bare = GenotypeReader::Open(WriteCohort(dir_, *store_, /*expression=*/false));
  EXPECT_THROW(PeopleSource(*store_, *bare), Error);
}

}  // namespace
}  // namespace getps
