#include "storage/store_schema.h"

#include <cstdint>

namespace getps::schema {
namespace {

void AppendBigEndian16(std::string* out, std::uint16_t v) {
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v & 0xff));
}

}  // namespace

std::string BigEndian32(std::uint32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<char>(v >> (24 - 8 * i));
  return out;
}

std::uint32_t DecodeBigEndian32(std::string_view bytes) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4 && i < bytes.size(); ++i) {
    v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return v;
}

std::string RegionTableKey(std::uint16_t chrom) {
  std::string key = "regions/";
  AppendBigEndian16(&key, chrom);
  return key;
}

std::string MotifKey(std::uint32_t region_id) { return BigEndian32(region_id); }

std::string CellTypeChromosomeKey(std::uint16_t celltype, std::uint16_t chrom) {
  std::string key;
  AppendBigEndian16(&key, celltype);
  AppendBigEndian16(&key, chrom);
  return key;
}

std::string CellTypeStatsKey(std::uint16_t celltype) {
  return CellTypeChromosomeKey(celltype, kStatsChromosome);
}

std::string GeneKey(std::string_view name) { return std::string(kGenePrefix) + std::string(name); }

}  // namespace getps::schema
