// Small RNA matrices written with Hdf5Writer for the C++ tests of
// rna_matrix, pseudobulk and sample_inputs (the Python tests write larger
// ones with h5py).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "featurizer/hdf5_file.h"

namespace getps::testing_util {

// A cells x genes matrix given densely, row per cell.
struct SmallMatrix {
  std::vector<std::string> barcodes, genes, ids, types;  // ids/types may be empty
  std::vector<std::vector<std::int32_t>> counts;         // [cell][gene]
};

// Cell Ranger v3: CSC over barcodes (one column per cell).
inline void Write10x(const std::string& path, const SmallMatrix& m) {
  std::vector<std::int32_t> data;
  std::vector<std::int64_t> indices, indptr{0};
  for (const auto& row : m.counts) {
    for (std::size_t g = 0; g < row.size(); ++g) {
      if (row[g] == 0) continue;
      data.push_back(row[g]);
      indices.push_back(static_cast<std::int64_t>(g));
    }
    indptr.push_back(static_cast<std::int64_t>(data.size()));
  }
  Hdf5Writer w(path);
  w.CreateGroup("/matrix");
  w.CreateGroup("/matrix/features");
  w.Write("/matrix/barcodes", m.barcodes);
  w.Write("/matrix/data", data);
  w.Write("/matrix/indices", indices);
  w.Write("/matrix/indptr", indptr);
  w.Write("/matrix/shape", std::vector<std::int32_t>{static_cast<std::int32_t>(m.genes.size()),
                                                     static_cast<std::int32_t>(m.barcodes.size())});
  w.Write("/matrix/features/name", m.genes);
  if (!m.ids.empty()) w.Write("/matrix/features/id", m.ids);
  if (!m.types.empty()) w.Write("/matrix/features/feature_type", m.types);
  w.Close();
}

// AnnData with X as a CSC sparse group (genes major) of float counts.
inline void WriteAnnDataCsc(const std::string& path, const SmallMatrix& m) {
  std::vector<float> data;
  std::vector<std::int64_t> indices, indptr{0};
  for (std::size_t g = 0; g < m.genes.size(); ++g) {
    for (std::size_t c = 0; c < m.counts.size(); ++c) {
      if (m.counts[c][g] == 0) continue;
      data.push_back(static_cast<float>(m.counts[c][g]));
      indices.push_back(static_cast<std::int64_t>(c));
    }
    indptr.push_back(static_cast<std::int64_t>(data.size()));
  }
  Hdf5Writer w(path);
  for (const char* g : {"/obs", "/var", "/X"}) w.CreateGroup(g);
  w.SetAttribute("/obs", "_index", "barcode");  // the index column's name
  w.Write("/obs/barcode", m.barcodes);
  w.Write("/var/_index", m.genes);
  w.SetAttribute("/X", "encoding-type", "csc_matrix");
  w.SetAttribute("/X", "shape",
                 std::vector<std::int64_t>{static_cast<std::int64_t>(m.barcodes.size()),
                                           static_cast<std::int64_t>(m.genes.size())});
  w.Write("/X/data", data);
  w.Write("/X/indices", indices);
  w.Write("/X/indptr", indptr);
  w.Close();
}

}  // namespace getps::testing_util
