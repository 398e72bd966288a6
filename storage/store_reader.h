// StoreReader: read-only access to a finished feature store. Any number of
// processes may open the same store at once (RocksDB read-only mode takes no
// lock); one reader may be shared by any number of threads.
//
// Per-(cell type, chromosome) accessible-region tables and per-chromosome
// motif rows are loaded on first use (one Get, one range scan) and then kept
// for the reader's lifetime: references returned stay valid until the reader
// is destroyed. Every read verifies RocksDB block checksums; damaged data
// surfaces as Error(kCorruption), never as values.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/region_index.h"
#include "storage/store_metadata.h"

namespace getps {

struct StoreReaderOptions {
  std::size_t block_cache_bytes = 64 << 20;
};

// The raw motif scores of one chromosome's regions, as stored: row r is
// region first_id + r, num_motifs values wide, in `half` (float16 stores)
// or `full` (float32 stores).
struct MotifRows {
  MotifDtype dtype = MotifDtype::kFloat16;
  std::uint32_t first_id = 0;
  std::uint32_t count = 0;
  std::vector<std::uint16_t> half;
  std::vector<float> full;
};

class StoreReader {
 public:
  // Opens the store at `path`. Throws Error: kNotFound (no store there),
  // kBusy (still being written, or its writer died before finishing),
  // kFormatMismatch (another format version), kCorruption.
  static std::unique_ptr<StoreReader> Open(const std::string& path,
                                           const StoreReaderOptions& options = {});
  ~StoreReader();
  StoreReader(const StoreReader&) = delete;
  StoreReader& operator=(const StoreReader&) = delete;

  const std::string& path() const;
  const StoreMetadata& metadata() const;
  const RegionIndex& regions() const;
  const std::vector<CellTypeInfo>& celltypes() const;
  const std::string& fingerprint() const;
  std::size_t num_motifs() const { return metadata().num_motifs(); }

  // Index of a cell type / chromosome by name. Throws Error(kNotFound)
  // listing what the store has.
  int CellTypeIndex(std::string_view name) const;
  int ChromosomeIndex(std::string_view name) const;

  // A cell type's accessible regions on a chromosome, and a chromosome's
  // motif rows, loaded on first use. Throw Error(kOutOfRange) for an index
  // past the store's cell types or chromosomes (checked before any slot is
  // touched).
  const AccessibleRegions& Accessible(int celltype, int chrom) const;
  const MotifRows& Motifs(int chrom) const;
  // Per-motif maximum over the cell type's accessible regions, and its
  // reciprocal (0 where the maximum is 0): the normalisation statistics.
  const std::vector<float>& MotifMax(int celltype) const;
  const std::vector<float>& MotifScale(int celltype) const;

  // Raw motif scores of one region into out[0..num_motifs).
  void ReadMotifScores(std::uint32_t region_id, float* out) const;

  std::optional<GeneRecord> FindGene(std::string_view name) const;
  // Every gene of the store, by name.
  std::vector<GeneRecord> Genes() const;

  // Bytes of all files of the store.
  std::uint64_t SizeOnDisk() const;

  // Full pass: RocksDB checksums of every table file, then every value
  // decoded and checked against the tables. Throws Error(kCorruption) naming
  // the first problem. Progress on stderr when `progress`.
  void Verify(bool progress) const;

 private:
  struct State;
  explicit StoreReader(std::unique_ptr<State> state);
  const MotifRows& LoadMotifs(int chrom) const;
  const AccessibleRegions& LoadAccessible(int celltype, int chrom) const;

  std::unique_ptr<State> s_;
};

}  // namespace getps
