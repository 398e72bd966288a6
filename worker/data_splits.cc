#include "worker/data_splits.h"

#include <cmath>
#include <cstdint>
#include <set>

#include "common/error.h"
#include "common/random.h"
#include "storage/store_reader.h"

namespace getps {

void ShuffleWindows(std::vector<Window>* w, std::uint64_t seed) {
  Rng rng(seed);
  Shuffle(w, &rng);
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
  // Validation holds out genomic blocks of kBlockRegions regions for every
  // cell type at once: a region's motif features are the same in all cell
  // types, so validating on a region trained in another cell type would only
  // measure memorisation. Validation windows lie wholly in held blocks,
  // training windows wholly outside them; windows across an edge are dropped.
  constexpr std::uint32_t kBlockRegions = 400;
  auto block = [](std::uint32_t region_id) { return region_id / kBlockRegions; };
  std::set<std::uint32_t> blocks;
  for (const Window& w : pool)
    blocks.insert(block(store.Accessible(w.celltype, w.chrom).ids[w.first]));
  std::vector<std::uint32_t> order(blocks.begin(), blocks.end());
  Rng rng(MixSeed(o.seed, 0xA11));
  Shuffle(&order, &rng);
  const auto n_val = static_cast<std::size_t>(
      std::llround(o.validation_fraction * static_cast<double>(order.size())));
  const std::set<std::uint32_t> held(
      order.begin(), order.begin() + static_cast<long>(std::min(n_val, order.size())));
  for (const Window& w : pool) {
    const auto& ids = store.Accessible(w.celltype, w.chrom).ids;
    std::size_t held_blocks = 0, all_blocks = 0;
    for (std::uint32_t b = block(ids[w.first]); b <= block(ids[w.first + o.window_size - 1]); ++b) {
      held_blocks += held.count(b);
      ++all_blocks;
    }
    if (held_blocks == all_blocks) {
      s.validation.push_back(w);
    } else if (held_blocks == 0) {
      s.train.push_back(w);
    }  // else it straddles a validation block's edge: used by neither
  }
  ShuffleWindows(&s.train, MixSeed(o.seed, 0xA12));
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

ReplicaBatches SliceSteps(std::size_t count, std::size_t per_step, std::size_t mine,
                          std::size_t batch, int replica) {
  ReplicaBatches out;
  for (std::size_t first = 0; first < count; first += per_step) {
    const std::size_t end = std::min(count, first + per_step);
    const std::size_t from = std::min(end, first + mine * static_cast<std::size_t>(replica));
    const std::size_t to = std::min(end, from + mine);
    out.batches_per_step.push_back(0);
    for (std::size_t b = from; b < to; b += batch) {
      out.ranges.emplace_back(b, std::min(to, b + batch) - b);
      ++out.batches_per_step.back();
    }
  }
  return out;
}

}  // namespace getps
