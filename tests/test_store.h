// Helpers for tests: temporary directories and small hand-made stores whose
// every value is a known function of the region id, so tests can compute the
// expected numbers independently of the code under test.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/store_writer.h"

namespace getps::testing_util {

// A directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The hand-made store: chromosomes given as (name, region count), regions
// 1,000 bp apart and 500 bp wide; kMotifs motif columns.
struct HandStoreSpec {
  std::vector<std::pair<std::string, std::uint32_t>> chromosomes = {
      {"chr1", 1000}, {"chr2", 450}, {"chr10", 199}};
  MotifDtype dtype = MotifDtype::kFloat32;
  double logcpm_cutoff = -1;
  // The featurizer's --min-acpm as the store records it (-1: not recorded);
  // labels are zeroed where logCPM < min_acpm, as the featurizer does.
  double min_acpm = -1;
  // TSS regions (multiples of 10) whose gene the reference does not express.
  std::vector<std::uint32_t> unexpressed_tss;
};
inline constexpr std::uint32_t kMotifs = 5;

// Value functions of the hand-made store (id = store region id).
inline float HandMotif(std::uint32_t id, std::uint32_t j) {
  return static_cast<float>((id * 7 + j * 3) % 11);  // 0..10, some zeros
}
// Cell type "all": every region accessible; "third": ids divisible by 3;
// "none": no region accessible.
inline float HandCount(int ct, std::uint32_t id) {
  if (ct == 0) return static_cast<float>(1 + id % 5);
  if (ct == 1) return id % 3 == 0 ? static_cast<float>(2 + id % 4) : 0.0f;
  return 0.0f;
}
inline float HandLogCpm(int ct, std::uint32_t id) { return std::log10(HandCount(ct, id) + 1.0f); }
inline float HandExpression(std::uint32_t id, int strand) {
  return id % 10 == 0 ? 0.5f + static_cast<float>(strand) : 0.0f;
}
inline std::uint8_t HandTss(std::uint32_t id, int strand) {
  return id % 10 == 0 && strand == 0 ? 1 : 0;
}

// Writes the hand-made store at `path` with cell types "all", "third" and
// "none", and a gene "GENE<id>" on every region with id % 10 == 0.
void WriteHandStore(const std::string& path, const HandStoreSpec& spec = {});

// Directory of the shared real data, or "" when it is absent.
std::string SharedDataDir();

}  // namespace getps::testing_util
