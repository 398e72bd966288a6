#include "worker/people_splits.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <map>
#include <set>
#include <tuple>

#include "common/error.h"
#include "storage/store_reader.h"
#include "test_store.h"

namespace getps {
namespace {

using testing_util::TempDir;

// Ten people, all with expression for cell type "all"; no variants.
std::string WriteCohort(const TempDir& dir, const StoreReader& store) {
  const std::string path = dir.Sub("g");
  auto writer = GenotypeWriter::Create(path, false);
  const std::vector<float> values(store.Genes().size(), 1.0f);
  GenotypeMetadata meta;
  for (std::uint16_t k = 0; k < 10; ++k) {
    writer->PutExpression(0, k, values);
    meta.individuals.push_back("IND" + std::to_string(k));
  }
  meta.store = store.path();
  meta.store_fingerprint = store.fingerprint();
  meta.num_features = testing_util::kMotifs;
  meta.expression_celltypes = {"all"};
  writer->Finish(meta);
  return path;
}

using Key = std::tuple<std::uint16_t, std::uint32_t>;  // chrom, first

class PeopleSplitsTest : public testing::Test {
 protected:
  void SetUp() override {
    testing_util::WriteHandStore(dir_.Sub("store"));
    store_ = StoreReader::Open(dir_.Sub("store"));
    genotypes_ = GenotypeReader::Open(WriteCohort(dir_, *store_));
    people_ = std::make_unique<PeopleSource>(*store_, *genotypes_);
  }
  std::map<std::uint16_t, std::set<Key>> ByPerson(const std::vector<Window>& windows) {
    std::map<std::uint16_t, std::set<Key>> out;
    for (const Window& w : windows) {
      EXPECT_EQ(w.celltype, 0);
      EXPECT_TRUE(out[w.individual].emplace(w.chrom, w.first).second) << "twice";
    }
    return out;
  }
  TempDir dir_{"people_splits"};
  std::unique_ptr<StoreReader> store_;
  std::unique_ptr<GenotypeReader> genotypes_;
  std::unique_ptr<PeopleSource> people_;
};

TEST_F(PeopleSplitsTest, EveryPersonHasEveryDistinctGeneWindowInExactlyOneSplit) {
  SplitOptions o;
  o.validation_fraction = 0.25;
  const IndividualSplitOptions held{{"IND3", "IND7"}, 0, 0};
  const Splits s = MakePeopleSplits(*store_, *people_, o, held);
  // Hand store genes sit on every tenth region; a window of 200 is centred
  // on the TSS and clamped: chr1 (1000 regions) gives firsts 0, 10 .. 800,
  // chr2 (450) 0 .. 250; chr10 (199) has no window.
  std::set<Key> windows;
  for (std::uint32_t f = 0; f <= 800; f += 10) windows.emplace(0, f);
  for (std::uint32_t f = 0; f <= 250; f += 10) windows.emplace(1, f);
  ASSERT_EQ(windows.size(), 81u + 26u);
  const auto train = ByPerson(s.train), validation = ByPerson(s.validation),
             test = ByPerson(s.test);
  EXPECT_EQ(test.size(), 2u);
  EXPECT_TRUE(test.count(3) && test.count(7));
  EXPECT_EQ(validation.size(), 2u);  // round(0.25 x 8)
  EXPECT_EQ(train.size(), 6u);
  std::set<std::uint16_t> everyone;
  for (const auto* split : {&train, &validation, &test})
    for (const auto& [who, keys] : *split) {
      EXPECT_TRUE(everyone.insert(who).second) << "person " << who << " in two splits";
      EXPECT_EQ(keys, windows) << "person " << who;
    }
  EXPECT_EQ(everyone.size(), 10u);
  // The same options, the same split.
  const Splits again = MakePeopleSplits(*store_, *people_, o, held);
  EXPECT_EQ(again.train, s.train);
  EXPECT_EQ(again.validation, s.validation);
  // A fraction of the gene windows trains, each with every training person.
  o.train_fraction = 0.5;
  const auto half = ByPerson(MakePeopleSplits(*store_, *people_, o, held).train);
  ASSERT_EQ(half.size(), 6u);
  for (const auto& [who, keys] : half) {
    EXPECT_EQ(keys.size(), 54u);  // ceil(107 / 2)
    EXPECT_EQ(keys, half.begin()->second);
  }
}

TEST_F(PeopleSplitsTest, HeldOutChromosomesAreTheOnlyTestWindowsAndTrainNobody) {
  SplitOptions o;
  o.leave_out_chromosomes = {"chr2"};
  o.validation_fraction = 0;
  const int fold = IndividualFold("IND0", 5);  // a fold with someone in it
  const Splits s = MakePeopleSplits(*store_, *people_, o, {{}, 5, fold});
  for (const Window& w : s.train) EXPECT_EQ(w.chrom, 0);
  ASSERT_FALSE(s.test.empty());
  std::set<std::uint16_t> test_people;
  for (const Window& w : s.test) {
    EXPECT_EQ(w.chrom, 1);
    test_people.insert(w.individual);
  }
  for (const auto k : test_people)
    EXPECT_EQ(IndividualFold(genotypes_->metadata().individuals[k], 5), fold);
  EXPECT_EQ(s.test.size(), test_people.size() * 26);
  EXPECT_EQ(s.train.size(), (10 - test_people.size()) * 81);
  EXPECT_TRUE(s.validation.empty());
  EXPECT_THROW(MakePeopleSplits(*store_, *people_, o, {}), Error);  // nobody held out
}

TEST(GroupedByWindow, EveryRunOfABatchIsOneWindowsPeopleAndRemaindersSitOut) {
  std::vector<Window> order;
  // Window A has 7 people, B 3, C 2 (fewer than a batch), interleaved.
  for (std::uint16_t k = 0; k < 7; ++k) {
    order.push_back({0, 0, 0, k});
    if (k < 3) order.push_back({0, 0, 10, k});
    if (k < 2) order.push_back({0, 1, 0, k});
  }
  const auto grouped = GroupedByWindow(order, 3, 42);
  ASSERT_EQ(grouped.size(), 6u + 3u);  // A: two runs of 3 (one person rests), B: one
  std::set<std::pair<std::uint32_t, std::uint16_t>> seen;
  for (std::size_t b = 0; b < grouped.size(); b += 3)
    for (std::size_t i = b; i < b + 3; ++i) {
      EXPECT_EQ(grouped[i].chrom, grouped[b].chrom);
      EXPECT_EQ(grouped[i].first, grouped[b].first);
      EXPECT_TRUE(seen.emplace(grouped[i].first, grouped[i].individual).second);
    }
  // A's runs are its first six people in the order given.
  for (std::uint16_t k = 0; k < 6; ++k) EXPECT_TRUE(seen.count({0, k}));
  EXPECT_EQ(GroupedByWindow(order, 3, 42), grouped);
  EXPECT_THROW(GroupedByWindow(order, 8, 42), Error);
}

TEST(WindowRuns, BatchesEndWhereTheWindowChangesAndFixedRunsDoNot) {
  std::vector<Window> windows;
  for (std::uint16_t k = 0; k < 5; ++k) windows.push_back({0, 0, 0, k});
  for (std::uint16_t k = 0; k < 2; ++k) windows.push_back({0, 0, 10, k});
  windows.push_back({1, 0, 10, 0});  // another cell type: another window
  using Runs = std::vector<std::pair<std::size_t, std::size_t>>;
  EXPECT_EQ(WindowRuns(windows, 3), (Runs{{0, 3}, {3, 2}, {5, 2}, {7, 1}}));
  EXPECT_EQ(FixedRuns(windows.size(), 3), (Runs{{0, 3}, {3, 3}, {6, 2}}));
  EXPECT_TRUE(WindowRuns({}, 3).empty());
}

}  // namespace
}  // namespace getps
