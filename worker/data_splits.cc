#include "worker/data_splits.h"

#include <cmath>
#include <set>
#include <tuple>

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
  // With overlapping windows (stride < size), a training window sharing
  // regions with a validation window would leak it: such windows are dropped.
  std::set<std::tuple<int, int, std::uint32_t>> held;  // (cell type, chromosome, first)
  for (const Window& w : s.validation) held.insert({w.celltype, w.chrom, w.first});
  for (auto it = pool.begin() + static_cast<long>(s.validation.size()); it != pool.end(); ++it) {
    bool overlaps = false;
    for (std::uint32_t d = 0; d < o.window_size && !overlaps; d += o.stride) {
      overlaps = held.count({it->celltype, it->chrom, it->first + d}) ||
                 (it->first >= d && held.count({it->celltype, it->chrom, it->first - d}));
    }
    if (!overlaps) s.train.push_back(*it);
  }
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
