// The genotype store: a cohort's personal motif features against one
// feature store, written by `getps genotypes import` (genotype_import.h).
// A RocksDB database beside the reference store, which stays read-only:
//
//   metadata                       JSON: GenotypeMetadata
//   p<individual u16><region u32>  the person's delta: their features minus
//                                  the reference store's raw row (only
//                                  regions where they differ)
//   a<region u32><variant u32>     one ALT allele's delta on the reference
//                                  row, the allele alone (variant effects)
//   v<variant u32>                 the allele: chrom, pos, REF, ALT, region
//                                  (kNoRegion and why, for an import of
//                                  every allele)
//   g<variant u32>                 its dosage per individual (0, 1, 2; 255:
//                                  missing)
//   x<celltype u16><individual u16> the person's expression of every store
//                                  gene (f32, StoreReader::Genes() order; NaN:
//                                  not given)
// Ids are big-endian, so one person's regions are one range scan. Values
// are raw motif scores (not normalised): a person's row is the reference
// row plus their delta, normalised by the reference cell type's maxima.
//
// The writer builds the store at PATH.writing and renames it into place in
// Finish (store_staging.h), so a reader sees a finished store or none; a
// writer destroyed before Finish (a failed import) removes PATH.writing.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace getps {

class StoreReader;

// The features of one row that differ from the reference, and by how much.
struct SparseDelta {
  std::vector<std::uint16_t> features;  // ascending
  std::vector<float> deltas;
  bool empty() const { return features.empty(); }
  // The nonzero entries of after - before.
  static SparseDelta Between(std::span<const float> before, std::span<const float> after);
  void AddTo(std::span<float> row) const;
};

// The region of an allele that changes none.
inline constexpr std::uint32_t kNoRegion = 0xffffffffu;

struct GenotypeVariant {
  std::string chrom;
  std::int64_t pos = 0;  // 0-based, as the VCF's POS - 1
  std::string ref, alt;
  std::uint32_t region = 0;  // the first store region it changes, or kNoRegion
  std::string status;        // "" (applied), or why it was not (kNoRegion)
};

struct GenotypeMetadata {
  int format_version = 1;
  std::string store;              // the reference store's path when imported
  std::string store_fingerprint;  // and its fingerprint (checked by readers)
  std::string vcf;
  std::vector<std::string> individuals;
  std::size_t num_features = 0;
  std::map<std::string, std::string> options;     // the import's options, as given
  std::map<std::string, std::uint64_t> counts;    // what the import read, applied and skipped
  std::vector<std::string> expression_celltypes;  // store cell types with per-person expression
  std::string created_by;
};

inline constexpr std::uint8_t kMissingDosage = 255;

// Writes a genotype store. The Put calls may come from any number of
// threads at once; Create and Finish from one.
class GenotypeWriter {
 public:
  // Throws Error(kInvalidArgument) when `path` exists and !overwrite,
  // kBusy when another writer builds it, kIOError on file system failures.
  static std::unique_ptr<GenotypeWriter> Create(const std::string& path, bool overwrite);
  ~GenotypeWriter();
  GenotypeWriter(const GenotypeWriter&) = delete;
  GenotypeWriter& operator=(const GenotypeWriter&) = delete;

  void PutPersonDelta(std::uint16_t individual, std::uint32_t region, const SparseDelta& delta);
  void PutAlleleDelta(std::uint32_t region, std::uint32_t variant, const SparseDelta& delta);
  void PutVariant(std::uint32_t variant, const GenotypeVariant& record,
                  std::span<const std::uint8_t> dosages);
  void PutExpression(std::uint16_t celltype, std::uint16_t individual,
                     std::span<const float> per_gene);
  // Writes the metadata, flushes, compacts and moves the store into place.
  void Finish(const GenotypeMetadata& metadata);

 private:
  struct State;
  explicit GenotypeWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

// Read-only; one reader may be shared by any number of threads.
class GenotypeReader {
 public:
  // Throws Error(kNotFound) when there is no genotype store at `path`,
  // kBusy while it is being written, kCorruption on damaged data.
  static std::unique_ptr<GenotypeReader> Open(const std::string& path);
  ~GenotypeReader();
  GenotypeReader(const GenotypeReader&) = delete;
  GenotypeReader& operator=(const GenotypeReader&) = delete;

  const std::string& path() const;
  const GenotypeMetadata& metadata() const;
  // Index of an individual by sample ID; throws Error(kNotFound).
  std::uint16_t IndividualIndex(std::string_view name) const;
  // Throws Error(kInvalidArgument) unless this was imported against `store`
  // (by fingerprint): deltas, regions and genes are the store's.
  void RequireStore(const StoreReader& store) const;

  // The person's delta of one region (empty: the reference row).
  SparseDelta PersonDelta(std::uint16_t individual, std::uint32_t region) const;
  // The regions where the person differs from the reference, ascending,
  // with their deltas.
  std::vector<std::pair<std::uint32_t, SparseDelta>> PersonDeltas(std::uint16_t individual) const;
  // Every allele changing `region`, with its delta alone.
  std::vector<std::pair<std::uint32_t, SparseDelta>> AlleleDeltas(std::uint32_t region) const;
  // Every allele's delta of every region it changes, by region then variant.
  struct RegionAllele {
    std::uint32_t region = 0, variant = 0;
    SparseDelta delta;
  };
  std::vector<RegionAllele> AllAlleleDeltas() const;
  std::optional<GenotypeVariant> Variant(std::uint32_t variant) const;
  std::vector<std::uint8_t> Dosages(std::uint32_t variant) const;
  // The person's expression of every store gene in cell type `celltype`
  // (a store index); empty when the import was given none for it.
  std::vector<float> Expression(std::uint16_t celltype, std::uint16_t individual) const;
  std::uint32_t NumVariants() const;

 private:
  struct State;
  explicit GenotypeReader(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

}  // namespace getps
