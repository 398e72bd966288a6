// What a feature store says about itself: StoreMetadata (features, genome,
// inputs, encoding), the cell-type table and the gene table. Plain values;
// JSON (de)serialisation for the store's metadata column family.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/enum_names.h"
#include "storage/region_index.h"

namespace getps {

enum class MotifDtype { kFloat16, kFloat32 };
inline constexpr EnumNames<MotifDtype, 2> kMotifDtypes{
    {{{MotifDtype::kFloat16, "float16"}, {MotifDtype::kFloat32, "float32"}}}};

inline const char* MotifDtypeName(MotifDtype dtype) { return kMotifDtypes.Name(dtype); }
std::size_t MotifDtypeBytes(MotifDtype dtype);

struct StoreMetadata {
  int format_version = 0;                              // set by the writer
  std::vector<std::string> feature_names;              // one per motif column (282 for GET)
  std::string genome_build;                            // e.g. "hg38"
  std::map<std::string, std::string> input_checksums;  // input file -> digest
  MotifDtype motif_dtype = MotifDtype::kFloat16;
  // Region accessible in a cell type when count > min_count, or, when
  // logcpm_cutoff >= 0, when logCPM >= logcpm_cutoff.
  double min_count = 0;
  double logcpm_cutoff = -1;
  double logcpm_scale = 1e6;  // logCPM = log10(count / total * scale + 1)
  // Expression labels are 0 where logCPM < min_acpm (featurize --min-acpm);
  // -1: not recorded (stores written before it was).
  double min_acpm = -1;
  std::string created_by;  // free text: tool and version

  std::size_t num_motifs() const { return feature_names.size(); }
};

struct CellTypeInfo {
  std::string name;
  std::string source;
  std::int64_t cell_count = 0;
  double library_size = 0;  // total fragments (or insertions) counted
  bool has_expression = false;
};

// A gene's TSS and the store region holding it (for gene-centred windows).
struct GeneRecord {
  std::string name;
  std::string chrom;
  std::uint32_t tss = 0;        // 0-based
  char strand = '+';            // '+' or '-'
  std::int64_t region_id = -1;  // region containing the TSS, or -1
};

// Per cell type and chromosome: the accessible regions in ascending id
// order with their per-region values. Immutable once loaded.
struct AccessibleRegions {
  std::vector<std::uint32_t> ids;
  std::vector<float> counts;
  std::vector<float> logcpm;
  std::vector<float> expression;  // 2 per region: + strand, - strand
  std::vector<std::uint8_t> tss;  // 2 per region: TSS on + / - strand
  std::size_t size() const { return ids.size(); }
  // Position of region `id` in `ids`, or -1 when it is not accessible.
  std::ptrdiff_t IndexOf(std::uint32_t id) const {
    auto it = std::lower_bound(ids.begin(), ids.end(), id);
    return it != ids.end() && *it == id ? it - ids.begin() : -1;
  }
};

std::string EncodeMetadata(const StoreMetadata& m);
StoreMetadata DecodeMetadata(const std::string& json);
std::string EncodeCellTypes(const std::vector<CellTypeInfo>& cts);
std::vector<CellTypeInfo> DecodeCellTypes(const std::string& json);
std::string EncodeChromosomes(const std::vector<ChromosomeRange>& chroms);
std::vector<ChromosomeRange> DecodeChromosomes(const std::string& json);
std::string EncodeGene(const GeneRecord& gene);
GeneRecord DecodeGene(const std::string& name, const std::string& value);
std::string EncodeAccessible(const AccessibleRegions& a);
AccessibleRegions DecodeAccessible(const std::string& value, const std::string& what);

}  // namespace getps
