// StoreWriter: builds a feature store (see store_schema.h for the layout).
// The featurizer's only way into the store. Not thread-safe: one thread
// drives one writer, and RocksDB's lock keeps a second writer process out.
//
// Order of calls: Create -> PutMotifScores for every region (any order) ->
// AddCellType for each cell type -> AddGene (optional) -> Finish. Until
// Finish returns, the store is built at PATH.writing (store_staging.h) and
// marked "writing" inside, and readers of PATH refuse it, so a crashed
// build is never mistaken for a complete store; Finish renames it into
// place (exchanging it atomically with the store it replaces).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "storage/region_index.h"
#include "storage/store_metadata.h"

namespace getps {

struct StoreWriterOptions {
  bool overwrite = false;  // replace an existing store at the path
  bool progress = true;    // progress lines on stderr during Finish
};

// One cell type's values for every region, indexed by store region id.
struct CellTypeColumns {
  std::span<const float> counts;
  std::span<const float> logcpm;
  std::span<const float> expression;  // 2 per region: + strand, - strand
  std::span<const std::uint8_t> tss;  // 2 per region
};

class StoreWriter {
 public:
  // Creates the store at `path` over `regions` (already in store order; see
  // RegionIndex::FromUnsorted). Throws Error: kInvalidArgument if the path
  // exists and !options.overwrite or the metadata lacks feature names,
  // kBusy if another writer (any process) is building it, kIOError on file
  // system failures. A PATH.writing left by a writer that stopped is removed.
  static std::unique_ptr<StoreWriter> Create(const std::string& path, StoreMetadata metadata,
                                             RegionIndex regions,
                                             const StoreWriterOptions& options = {});
  ~StoreWriter();
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  const RegionIndex& regions() const;
  const StoreMetadata& metadata() const;

  // Stores the raw motif scores of one region: metadata().num_motifs()
  // finite values >= 0 (and <= 65504 for float16 stores).
  void PutMotifScores(std::uint32_t region_id, std::span<const float> scores);

  // Adds a cell type; its accessible regions are those passing the metadata's
  // accessibility rule. Throws on a duplicate name or wrongly sized columns.
  void AddCellType(const CellTypeInfo& info, const CellTypeColumns& columns);

  // Records a gene's TSS; the region holding it is looked up here.
  void AddGene(GeneRecord gene);

  // Checks every region has motif scores, computes each cell type's per-motif
  // maxima, writes the tables, marks the store complete and compacts it.
  void Finish();

  struct State;  // defined (and used) in store_writer.cc only

 private:
  explicit StoreWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

}  // namespace getps
