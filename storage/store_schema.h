// The on-disk layout of a getps feature store (a RocksDB database). One
// place names every column family and key; writer and reader both use it.
//
// Column families (all with block checksums; LZ4, ZSTD at the bottom level):
//   default    metadata: format_version, state ("writing" | "complete"),
//              metadata (JSON: StoreMetadata), celltypes (JSON array),
//              chromosomes (JSON: name, first id, count), fingerprint,
//              regions/<chrom u16 BE> -> u32 starts[n] | u32 ends[n],
//              gene/<name> -> GeneRecord
//   motifs     <region id u32 BE> -> num_motifs raw scores (fp16 or fp32)
//   celltypes  <celltype u16 BE><chrom u16 BE> -> AccessibleRegions blob
//              <celltype u16 BE><0xFFFF>       -> f32 per-motif max
// Big-endian ids make RocksDB's byte order the numeric order, so one
// chromosome's motif rows are one contiguous range scan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace getps::schema {

inline constexpr int kFormatVersion = 1;

inline constexpr char kMotifFamily[] = "motifs";
inline constexpr char kCellTypeFamily[] = "celltypes";

// The column families, in the order the store opens them (rocksdb_env.h).
enum class ColumnFamily : std::size_t { kDefault = 0, kMotifs = 1, kCellTypes = 2 };

inline constexpr char kFormatVersionKey[] = "format_version";
inline constexpr char kStateKey[] = "state";
inline constexpr char kStateWriting[] = "writing";
inline constexpr char kStateComplete[] = "complete";
inline constexpr char kMetadataKey[] = "metadata";
inline constexpr char kCellTypesKey[] = "celltypes";
inline constexpr char kChromosomesKey[] = "chromosomes";
inline constexpr char kFingerprintKey[] = "fingerprint";
inline constexpr char kGenePrefix[] = "gene/";

inline constexpr std::uint16_t kStatsChromosome = 0xFFFF;

std::string BigEndian32(std::uint32_t v);
std::uint32_t DecodeBigEndian32(std::string_view bytes);

std::string RegionTableKey(std::uint16_t chrom);
std::string MotifKey(std::uint32_t region_id);
std::string CellTypeChromosomeKey(std::uint16_t celltype, std::uint16_t chrom);
std::string CellTypeStatsKey(std::uint16_t celltype);
std::string GeneKey(std::string_view name);

}  // namespace getps::schema
