#include "worker/data_splits.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <algorithm>

#include <set>

#include "common/error.h"
#include "storage/store_reader.h"
#include "tests/test_store.h"

namespace getps {
namespace {

TEST(DataSplits, HeldOutTestAndNoOverlapBetweenTrainingAndValidation) {
  testing_util::TempDir dir("splits");
  testing_util::HandStoreSpec spec;
  spec.chromosomes = {{"chr1", 3000}, {"chr2", 1500}, {"chr10", 900}};
  testing_util::WriteHandStore(dir.Sub("s"), spec);
  auto store = StoreReader::Open(dir.Sub("s"));
  SplitOptions o;
  o.leave_out_chromosomes = {"chr2"};
  o.validation_fraction = 0.2;
  Splits s = MakeSplits(*store, o);
  for (const Window& w : s.test) EXPECT_EQ(w.chrom, 1);
  for (const Window& w : s.train) EXPECT_NE(w.chrom, 1);
  ASSERT_FALSE(s.validation.empty());
  for (const Window& t : s.train) {
    for (const Window& v : s.validation) {
      const bool same = t.celltype == v.celltype && t.chrom == v.chrom;
      const std::uint32_t gap = t.first > v.first ? t.first - v.first : v.first - t.first;
      ASSERT_FALSE(same && gap < 200)
          << "training window at " << t.first << " overlaps validation " << v.first;
    }
  }
  // Nor does any region of a validation window appear in a training window
  // of another cell type: validation holds out genomic blocks.
  std::set<std::uint32_t> validated;
  for (const Window& v : s.validation) {
    const auto& ids = store->Accessible(v.celltype, v.chrom).ids;
    validated.insert(ids.begin() + v.first, ids.begin() + v.first + 200);
  }
  for (const Window& t : s.train) {
    const auto& ids = store->Accessible(t.celltype, t.chrom).ids;
    for (std::uint32_t k = t.first; k < t.first + 200; ++k)
      ASSERT_FALSE(validated.count(ids[k])) << ids[k];
  }
  // Deterministic for a seed; another seed, another split.
  EXPECT_EQ(MakeSplits(*store, o).train, s.train);
  o.seed = 2;
  EXPECT_NE(MakeSplits(*store, o).validation, s.validation);
  o.leave_out_celltypes = {"nope"};
  EXPECT_THROW(MakeSplits(*store, o), Error);
}

TEST(DataSplits, ReplicaSlicesCoverEveryWindowOnceStepByStep) {
  // 23 windows, 2 replicas x (batch 3 x accumulation 2): steps of 12, the
  // last one short (11 windows: replica 0 gets 6, replica 1 gets 5).
  std::vector<int> seen(23, 0);
  for (int r = 0; r < 2; ++r) {
    const ReplicaBatches b = SliceSteps(23, 12, 6, 3, r);
    EXPECT_EQ(b.batches_per_step, (std::vector<std::size_t>{2, 2}));
    for (auto [first, n] : b.ranges) {
      EXPECT_LE(n, 3u);
      for (std::size_t i = first; i < first + n; ++i) ++seen[i];
    }
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 23);
  // A short last step can leave a replica nothing to do.
  EXPECT_EQ(SliceSteps(14, 12, 6, 3, 1).batches_per_step, (std::vector<std::size_t>{2, 0}));
}

}  // namespace
}  // namespace getps
