#include "worker/data_splits.h"

#include <cmath>
#include <set>

#include "common/error.h"
#include "common/random.h"
#include "storage/store_reader.h"

namespace getps {

void ShuffleWindows(std::vector<Window>* w, std::uint64_t seed) {
  Rng rng(seed);
  for (std::size_t i = w->size(); i > 1; --i) std::swap((*w)[i - 1], (*w)[rng.Below(i)]);
}

Splits MakeSplits(const StoreReader& store, const SplitOptions& o) {
  std::set<int> out_chroms, out_cts;
  for (const auto& c : o.leave_out_chromosomes) out_chroms.insert(store.ChromosomeIndex(c));
  for (const auto& c : o.leave_out_celltypes) out_cts.insert(store.CellTypeIndex(c));
  WindowPlanOptions po;
  po.stride = o.stride;
  Splits s;
  std::vector<Window> pool;
  for (const Window& w : WindowPlan::Build(store, po).windows()) {
    (out_chroms.count(w.chrom) || out_cts.count(w.celltype) ? s.test : pool).push_back(w);
  }
  ShuffleWindows(&pool, MixSeed(o.seed, 0xA11));
  const auto n_val = static_cast<std::size_t>(
      std::llround(o.validation_fraction * static_cast<double>(pool.size())));
  s.validation.assign(pool.begin(), pool.begin() + static_cast<long>(std::min(n_val, pool.size())));
  s.train.assign(pool.begin() + static_cast<long>(s.validation.size()), pool.end());
  if (o.train_fraction < 1.0) {
    s.train.resize(static_cast<std::size_t>(
        std::ceil(o.train_fraction * static_cast<double>(s.train.size()))));
  }
  if (s.train.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "no training windows left in " + store.path() +
                                                 " after the held-out and validation splits");
  }
  return s;
}

}  // namespace getps
