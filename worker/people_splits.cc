#include "worker/people_splits.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>

#include "common/error.h"
#include "common/random.h"
#include "storage/gene_window.h"
#include "storage/store_reader.h"

namespace getps {
namespace {

// Every distinct window of `genes` (empty: all) in the cell types with
// per-person expression.
std::vector<Window> DistinctGeneWindows(const StoreReader& store, const PeopleSource& people,
                                        const std::vector<std::string>& genes) {
  std::vector<Window> out;
  for (const int celltype : people.celltypes()) {
    std::vector<std::string> skipped;
    std::set<std::pair<std::uint16_t, std::uint32_t>> seen;
    for (const auto& [gene, w] : GeneWindows(store, celltype, genes, kRegionsPerWindow, &skipped))
      if (seen.emplace(w.window.chrom, w.window.first).second) out.push_back(w.window);
  }
  return out;
}

// `windows` x `people`, window-major: consecutive batches of the
// validation set are then (but where one window's people end) one window's
// people, as Variformer's loss wants them.
void AddPeople(const std::vector<std::uint16_t>& people, const std::vector<Window>& windows,
               std::vector<Window>* out) {
  for (Window w : windows)
    for (const auto k : people) {
      w.individual = k;
      out->push_back(w);
    }
}

}  // namespace

Splits MakePeopleSplits(const StoreReader& store, const PeopleSource& people, const SplitOptions& o,
                        const IndividualSplitOptions& held_out,
                        const std::vector<std::string>& genes) {
  const IndividualSplit who = SplitIndividuals(people.genotypes().metadata().individuals, held_out);
  std::set<int> out_chroms, out_cts;
  for (const auto& c : o.leave_out_chromosomes) out_chroms.insert(store.ChromosomeIndex(c));
  for (const auto& c : o.leave_out_celltypes) out_cts.insert(store.CellTypeIndex(c));
  std::vector<Window> kept, held;
  for (const Window& w : DistinctGeneWindows(store, people, genes))
    (out_chroms.count(w.chrom) || out_cts.count(w.celltype) ? held : kept).push_back(w);
  std::vector<std::uint16_t> train = who.train;
  Rng rng(MixSeed(o.seed, 0xBEE));
  Shuffle(&train, &rng);
  auto validating = static_cast<std::size_t>(
      std::llround(o.validation_fraction * static_cast<double>(train.size())));
  if (o.validation_fraction > 0 && train.size() >= 2)
    validating = std::max<std::size_t>(1, validating);
  validating = std::min(validating, train.size() - 1);
  std::vector<std::uint16_t> validation(train.begin(), train.begin() + validating);
  train.erase(train.begin(), train.begin() + validating);
  std::sort(train.begin(), train.end());
  std::sort(validation.begin(), validation.end());
  Splits s;
  AddPeople(who.test, held.empty() ? kept : held, &s.test);
  // A fraction of the gene windows, each with all its people (Variformer's
  // batches are one window's people).
  ShuffleWindows(&kept, MixSeed(o.seed, 0xA13));
  if (o.train_fraction < 1.0)
    kept.resize(
        static_cast<std::size_t>(std::ceil(o.train_fraction * static_cast<double>(kept.size()))));
  AddPeople(train, kept, &s.train);
  AddPeople(validation, kept, &s.validation);
  ShuffleWindows(&s.train, MixSeed(o.seed, 0xA12));
  if (s.train.empty())
    throw Error(ErrorCode::kInvalidArgument,
                "no training windows of people left: " + std::to_string(train.size()) +
                    " training people, " + std::to_string(kept.size()) + " gene windows");
  return s;
}

std::vector<Window> GroupedByWindow(const std::vector<Window>& order, std::size_t batch,
                                    std::uint64_t seed) {
  std::map<std::tuple<std::uint16_t, std::uint16_t, std::uint32_t>, std::vector<Window>> people;
  std::vector<std::vector<Window>*> first_seen;
  for (const Window& w : order) {
    auto [it, added] = people.try_emplace({w.celltype, w.chrom, w.first});
    if (added) first_seen.push_back(&it->second);
    it->second.push_back(w);
  }
  std::vector<std::pair<const Window*, std::size_t>> runs;  // (first window, count)
  for (const auto* of_window : first_seen)
    for (std::size_t b = 0; b + batch <= of_window->size(); b += batch)
      runs.emplace_back(of_window->data() + b, batch);
  if (runs.empty())
    throw Error(ErrorCode::kInvalidArgument, "batches of one gene window's people: no window has " +
                                                 std::to_string(batch) +
                                                 " training people (lower --batch-size)");
  Rng rng(seed);
  Shuffle(&runs, &rng);
  std::vector<Window> out;
  out.reserve(runs.size() * batch);
  for (const auto& [first, n] : runs) out.insert(out.end(), first, first + n);
  return out;
}

std::vector<std::pair<std::size_t, std::size_t>> FixedRuns(std::size_t count, std::size_t batch) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t b = 0; b < count; b += batch)
    out.emplace_back(b, std::min(count, b + batch) - b);
  return out;
}

std::vector<std::pair<std::size_t, std::size_t>> WindowRuns(const std::vector<Window>& windows,
                                                            std::size_t batch) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  const auto same = [](const Window& a, const Window& b) {
    return a.celltype == b.celltype && a.chrom == b.chrom && a.first == b.first;
  };
  for (std::size_t b = 0; b < windows.size();) {
    std::size_t e = b + 1;
    while (e < windows.size() && e - b < batch && same(windows[e], windows[b])) ++e;
    out.emplace_back(b, e - b);
    b = e;
  }
  return out;
}

}  // namespace getps
