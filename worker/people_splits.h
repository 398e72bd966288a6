// PeopleSplits: the windows of training by people (TrainOptions::by_people,
// storage/people_source.h): every (person, gene window) of the cell types
// with per-person expression, split by people and, optionally, by
// chromosome.
//
// Gene windows are WindowAroundGene's, one per distinct window (genes whose
// windows coincide share one). The people held out (SplitIndividuals: a
// list, or fold k of K by sample-ID hash) are the test set's; of the
// others a seeded `validation_fraction` validates (early stopping; at least
// one person when the fraction is positive and two or more are left), the
// rest train. Held-out chromosomes and cell types: their gene windows train
// and validate nobody, and are then the only test windows (held-out genes
// and people); without them the test set is every gene window of the
// held-out people. A seeded `train_fraction` of the gene windows trains and
// validates, each with all its people. The same options give the same split on every host.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "storage/individual_splits.h"
#include "storage/people_source.h"
#include "worker/data_splits.h"

namespace getps {

// Throws SplitIndividuals' errors, Error(kNotFound) for an unknown chromosome
// or cell type, and Error(kInvalidArgument) when no training window is left.
// `genes`: only the windows of these (empty: of every gene with one); throws
// Error(kNotFound) for a gene the store lacks.
Splits MakePeopleSplits(const StoreReader& store, const PeopleSource& people,
                        const SplitOptions& options, const IndividualSplitOptions& held_out,
                        const std::vector<std::string>& genes = {});

// Variformer's batches: `order` regrouped so that every run of `batch`
// consecutive windows is one gene window's people. Each window's people,
// in their order in `order`, are cut into runs of `batch`; a remainder
// shorter than `batch` sits this epoch out (a reshuffled order rests
// others); the runs are then shuffled by `seed`. Throws
// Error(kInvalidArgument) when no window has `batch` people.
std::vector<Window> GroupedByWindow(const std::vector<Window>& order, std::size_t batch,
                                    std::uint64_t seed);

// Batches as (first, count): `count` windows in runs of `batch` (the last
// one shorter).
std::vector<std::pair<std::size_t, std::size_t>> FixedRuns(std::size_t count, std::size_t batch);
// The same, but a run also ends where the window (cell type, chromosome,
// first region) changes, so each holds one window's people: how the
// validation and test sets (window-major) are evaluated under Variformer's
// loss.
std::vector<std::pair<std::size_t, std::size_t>> WindowRuns(const std::vector<Window>& windows,
                                                            std::size_t batch);

}  // namespace getps
