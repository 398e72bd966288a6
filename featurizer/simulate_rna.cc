#include "featurizer/simulate_rna.h"

#include <cmath>
#include <cstdint>

#include "featurizer/hdf5_file.h"

namespace getps {
namespace {

constexpr double kScale = 1e4;     // counts per unit of TPM
constexpr double kLibrary = 1e10;  // every cell type's library (1e6 x kScale)
constexpr int kCellsPerGene = 8;   // a gene's counts are spread over this many cells

// A cell x feature count matrix built cell by cell (CSC over barcodes).
// Counts are 64-bit (Cell Ranger writes 32): the filler of a cell type with
// few cells exceeds 2^31.
struct Columns {
  std::vector<std::int64_t> data;
  std::vector<std::int64_t> indices, indptr{0};
};

void Put(Columns& m, std::int64_t feature, double count) {
  if (count <= 0) return;
  m.data.push_back(static_cast<std::int64_t>(count));
  m.indices.push_back(feature);
}

}  // namespace

void WriteSimulatedRna(const std::string& path, const std::vector<std::string>& genes,
                       const std::vector<std::vector<double>>& tpm, int cells) {
  const std::size_t C = tpm.empty() ? 0 : tpm[0].size(), G = genes.size();
  const auto filler = static_cast<std::int64_t>(G), peaks = filler + 1;
  const int spread = std::min(cells, kCellsPerGene);
  Columns m;
  std::vector<std::string> barcodes;
  for (std::size_t c = 0; c < C; ++c) {
    std::vector<double> counts(G);
    double genic = 0;
    for (std::size_t g = 0; g < G; ++g) genic += counts[g] = std::round(tpm[g][c] * kScale);
    const double rest = kLibrary - genic;
    for (int i = 0; i < cells; ++i) {
      barcodes.push_back("CT" + std::to_string(c) + "-" + std::to_string(i) + "-1");
      for (std::size_t g = 0; g < G; ++g) {
        // Gene g sits in cells (g + j) % cells, j < spread, evenly.
        const int j = static_cast<int>((static_cast<std::size_t>(i) + cells - g % cells) % cells);
        if (j >= spread) continue;
        const double share = std::floor(counts[g] / spread) +
                             (j < static_cast<int>(std::fmod(counts[g], spread)) ? 1 : 0);
        Put(m, static_cast<std::int64_t>(g), share);
      }
      Put(m, filler,
          std::floor(rest / cells) + (i < static_cast<int>(std::fmod(rest, cells)) ? 1 : 0));
      Put(m, peaks, 3);
      m.indptr.push_back(static_cast<std::int64_t>(m.data.size()));
    }
  }
  std::vector<std::string> names = genes, ids, types(G + 1, "Gene Expression");
  names.push_back("SIM_OTHER");
  names.push_back("chr1:1-1000");
  types.push_back("Peaks");
  for (std::size_t g = 0; g < names.size(); ++g) ids.push_back(g < G ? genes[g] + ".1" : names[g]);
  Hdf5Writer w(path);
  w.CreateGroup("/matrix");
  w.CreateGroup("/matrix/features");
  w.Write("/matrix/barcodes", barcodes);
  w.Write("/matrix/data", m.data);
  w.Write("/matrix/indices", m.indices);
  w.Write("/matrix/indptr", m.indptr);
  w.Write("/matrix/shape", std::vector<std::int32_t>{static_cast<std::int32_t>(names.size()),
                                                     static_cast<std::int32_t>(barcodes.size())});
  w.Write("/matrix/features/name", names);
  w.Write("/matrix/features/id", ids);
  w.Write("/matrix/features/feature_type", types);
  w.Close();
}

}  // namespace getps
