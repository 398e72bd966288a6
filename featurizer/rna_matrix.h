// RnaMatrix: a cell x gene matrix of RNA counts in an HDF5 file, streamed.
//
// Layouts (found by what the file holds, not by its name):
//   10x Cell Ranger (v3 and later) .h5: /matrix/{data, indices, indptr,
//     shape, barcodes, features/{name, id, feature_type}}, compressed sparse
//     columns with one column per barcode. Only features whose feature_type
//     is "Gene Expression" count (a Multiome file also lists its peaks).
//   AnnData .h5ad: a matrix in layers/counts, raw/X or X, each either a
//     sparse group (encoding-type csr_matrix or csc_matrix, or the older
//     h5sparse_format attribute) or a dense 2-D dataset (cells x genes).
//     Cells are obs's index, genes var's index (raw/var for raw/X) and the
//     gene IDs var/gene_ids (plain strings or a categorical) when present.
//
// Which AnnData matrix: RnaLayer::kAuto takes the first of layers/counts,
// raw/X and X whose first values are non-negative integers (counts); the
// others name one. Pseudobulk needs counts: ForEach refuses any value that is
// negative, fractional or not finite.
//
// Memory: the matrix is never densified. ForEach reads `data` and `indices`
// in slices of a fixed number of values (dense rows in blocks), so memory is
// the index pointer (cells + 1 or genes + 1 values), the names and one slice.
//
// Errors: a file of another layout, a missing dataset, lengths that disagree
// with the shape, an index out of range or a value that is not a count
// throws getps::Error naming the file, the dataset and what was expected.
// Not thread-safe (HDF5).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "featurizer/hdf5_file.h"

namespace getps {

enum class RnaLayer { kAuto, kCounts, kRaw, kX };
const char* RnaLayerName(RnaLayer layer);  // auto, counts, raw, X
RnaLayer ParseRnaLayer(const std::string& name);

class RnaMatrix {
 public:
  // Opens `path` and reads its names; throws as above.
  RnaMatrix(const std::string& path, RnaLayer layer);
  ~RnaMatrix();

  const std::string& path() const { return file_->path(); }
  // What was read, e.g. "10x /matrix" or "AnnData layers/counts (CSR)".
  const std::string& description() const { return description_; }
  const std::vector<std::string>& barcodes() const { return barcodes_; }
  const std::vector<std::string>& gene_names() const { return gene_names_; }
  const std::vector<std::string>& gene_ids() const { return gene_ids_; }  // "" where none
  // False for features that are not gene expression (10x peaks, antibodies).
  bool IsGene(std::size_t gene) const { return is_gene_[gene] != 0; }

  // Calls visit(cell, gene, count) for every stored non-zero value, in file
  // order; throws (as above) at the first bad index or value.
  using Visitor = std::function<void(std::size_t cell, std::size_t gene, double count)>;
  void ForEach(const Visitor& visit) const;

  // Where the values are and how they are laid out.
  struct Layout {
    std::string matrix;      // e.g. "/matrix", "/layers/counts"
    bool dense = false;      // a 2-D dataset, cells x genes
    bool cell_major = true;  // sparse: indptr runs over cells (10x CSC, AnnData CSR)
    std::uint64_t cells = 0, genes = 0;
  };

 private:
  void Open10x();
  void OpenAnnData(RnaLayer layer);
  void ReadAnnDataNames(const std::string& var);
  void CheckLengths() const;
  void ForEachSparse(const Visitor& visit) const;
  void ForEachDense(const Visitor& visit) const;

  std::unique_ptr<Hdf5File> file_;
  std::unique_ptr<Layout> layout_;
  std::string description_;
  std::vector<std::string> barcodes_, gene_names_, gene_ids_;
  std::vector<char> is_gene_;
};

}  // namespace getps
