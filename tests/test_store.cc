#include "tests/test_store.h"

#include <unistd.h>
#include <cstdint>

#include <algorithm>
#include <random>

namespace getps::testing_util {

TempDir::TempDir(const std::string& tag) {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("getps-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void WriteHandStore(const std::string& path, const HandStoreSpec& spec) {
  std::vector<Region> regions;
  // Insert in reverse so the writer has to sort.
  for (auto it = spec.chromosomes.rbegin(); it != spec.chromosomes.rend(); ++it) {
    for (std::uint32_t i = it->second; i-- > 0;)
      regions.push_back({it->first, 1000 * i, 1000 * i + 500});
  }
  StoreMetadata meta;
  for (std::uint32_t j = 0; j < kMotifs; ++j) meta.feature_names.push_back("M" + std::to_string(j));
  meta.genome_build = "test";
  meta.motif_dtype = spec.dtype;
  meta.logcpm_cutoff = spec.logcpm_cutoff;
  meta.min_acpm = spec.min_acpm;
  meta.input_checksums["peaks.bed"] = "sha256:0";
  StoreWriterOptions wo;
  wo.progress = false;
  auto w = StoreWriter::Create(path, meta, RegionIndex::FromUnsorted(regions), wo);
  const std::uint32_t n = w->regions().size();
  std::vector<float> row(kMotifs);
  for (std::uint32_t id = n; id-- > 0;) {
    for (std::uint32_t j = 0; j < kMotifs; ++j) row[j] = HandMotif(id, j);
    w->PutMotifScores(id, row);
  }
  const char* names[] = {"all", "third", "none"};
  for (int ct = 0; ct < 3; ++ct) {
    std::vector<float> counts(n), logcpm(n), exp(2 * n);
    std::vector<std::uint8_t> tss(2 * n);
    for (std::uint32_t id = 0; id < n; ++id) {
      counts[id] = HandCount(ct, id);
      logcpm[id] = HandLogCpm(ct, id);
      const bool unexpressed = std::find(spec.unexpressed_tss.begin(), spec.unexpressed_tss.end(),
                                         id) != spec.unexpressed_tss.end();
      for (int s = 0; s < 2; ++s) {
        const bool zeroed = unexpressed || logcpm[id] < spec.min_acpm;
        exp[2 * id + s] = zeroed ? 0.0f : HandExpression(id, s);
        tss[2 * id + s] = HandTss(id, s);
      }
    }
    CellTypeInfo info{names[ct], "hand", 700 + ct, 1234.5, ct != 2};
    w->AddCellType(info, {counts, logcpm, exp, tss});
  }
  for (std::uint32_t id = 0; id < n; id += 10) {
    const RegionIndex& idx = w->regions();
    w->AddGene({"GENE" + std::to_string(id), idx.chromosomes()[idx.ChromosomeOf(id)].name,
                idx.start(id) + 10, '+', -1});
  }
  w->Finish();
}

std::string SharedDataDir() {
  const char* env = std::getenv("GETPS_SHARED_DATA");
  std::string dir = env ? env : GETPS_DEFAULT_SHARED_DATA;
  return std::filesystem::is_directory(dir) ? dir : "";
}

}  // namespace getps::testing_util
