#include "storage/window_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "common/error.h"
#include "storage/store_reader.h"
#include "tests/test_store.h"

namespace getps {
namespace {

TEST(WindowCount, Formula) {
  EXPECT_EQ(WindowCount(0, 200, 200), 0u);
  EXPECT_EQ(WindowCount(199, 200, 200), 0u);
  EXPECT_EQ(WindowCount(200, 200, 200), 1u);
  EXPECT_EQ(WindowCount(399, 200, 200), 1u);
  EXPECT_EQ(WindowCount(400, 200, 200), 2u);
  EXPECT_EQ(WindowCount(1000, 200, 100), 9u);
  EXPECT_EQ(WindowCount(450, 200, 100), 3u);
}

class WindowPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing_util::WriteHandStore(dir_.Sub("s"));
    store_ = StoreReader::Open(dir_.Sub("s"));
  }
  testing_util::TempDir dir_{"plan"};
  std::unique_ptr<StoreReader> store_;
};

TEST_F(WindowPlanTest, ExactCountsOnTheHandMadeStore) {
  // Accessible per chromosome (chr1, chr2, chr10): "all" 1000, 450, 199;
  // "third" 334, 150, 66; "none" 0, 0, 0.
  WindowPlanOptions pretrain;  // size 200, stride 200
  WindowPlan p = WindowPlan::Build(*store_, pretrain);
  EXPECT_EQ(p.size(), 5u + 2u + 0u + 1u + 0u + 0u);
  WindowPlanOptions finetune;
  finetune.stride = 100;
  EXPECT_EQ(WindowPlan::Build(*store_, finetune).size(), 9u + 3u + 0u + 2u + 0u + 0u);
  WindowPlanOptions one;
  one.celltypes = {0};
  one.chromosomes = {1};
  one.stride = 50;
  WindowPlan q = WindowPlan::Build(*store_, one);
  ASSERT_EQ(q.size(), 6u);  // (450 - 200) / 50 + 1
  EXPECT_EQ(q.windows()[5], (Window{0, 1, 250}));
}

TEST_F(WindowPlanTest, NoWindowCrossesAChromosome) {
  WindowPlanOptions o;
  o.stride = 37;
  const WindowPlan plan = WindowPlan::Build(*store_, o);
  for (const Window& w : plan.windows()) {
    const AccessibleRegions& acc = store_->Accessible(w.celltype, w.chrom);
    ASSERT_LE(w.first + 200u, acc.size());
    const int first_chrom = store_->regions().ChromosomeOf(acc.ids[w.first]);
    const int last_chrom = store_->regions().ChromosomeOf(acc.ids[w.first + 199]);
    EXPECT_EQ(first_chrom, w.chrom);
    EXPECT_EQ(last_chrom, w.chrom);
  }
}

TEST_F(WindowPlanTest, ShuffleIsASeededPermutation) {
  WindowPlanOptions o;
  o.stride = 10;
  WindowPlan p = WindowPlan::Build(*store_, o);
  ASSERT_GT(p.size(), 100u);
  auto a = p.Shuffled(7, 0), b = p.Shuffled(7, 0), c = p.Shuffled(7, 1), d = p.Shuffled(8, 0);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, d);
  EXPECT_NE(a, p.windows());
  auto key = [](const Window& w) { return std::tuple(w.celltype, w.chrom, w.first); };
  auto sorted = [&](std::vector<Window> v) {
    std::sort(v.begin(), v.end(),
              [&](const Window& x, const Window& y) { return key(x) < key(y); });
    return v;
  };
  EXPECT_EQ(sorted(a), sorted(p.windows()));
}

TEST_F(WindowPlanTest, RejectsBadOptions) {
  WindowPlanOptions o;
  o.stride = 0;
  EXPECT_THROW(WindowPlan::Build(*store_, o), Error);
  WindowPlanOptions bad_ct;
  bad_ct.celltypes = {3};
  EXPECT_THROW(WindowPlan::Build(*store_, bad_ct), Error);
  WindowPlanOptions bad_chrom;
  bad_chrom.chromosomes = {-1};
  EXPECT_THROW(WindowPlan::Build(*store_, bad_chrom), Error);
}

}  // namespace
}  // namespace getps
