// BarcodeTable: cell barcode -> cell type, as users hold it.
//
// ReadBarcodeTable reads a CSV or TSV (the separator is the first line's:
// a tab if it has one, else a comma; quoted fields allowed):
//   - with a header, the barcode and cell-type columns named by
//     BarcodeColumns, or found among common names (case-insensitive):
//       barcode: barcode, barcodes, cell, cell_id, cell_barcode, obs_names,
//                index, or an empty first name (R's and pandas' row names,
//                also of a one-column export: ",cell_type");
//       cell type: celltype, cell_type, annotation, cell_annotation,
//                seurat_clusters, leiden, louvain, cluster (the first found);
//     a header whose barcode column is found and that has two columns takes
//     the other one as the cell type;
//   - without a header, barcode then cell type (the original TSV).
// Rows whose cell type is empty or NA are skipped (counted in the log). A
// barcode listed twice is an error naming both lines; a named column that
// is not in the header is an error listing the header.
//
// ForSample: the barcodes of one sample of several, as that sample's own
// files spell them (see featurizer/samples.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "featurizer/barcode_index.h"

namespace getps {

struct BarcodeTable {
  std::vector<std::string> celltypes;
  std::vector<std::int64_t> cells;    // barcodes per cell type
  BarcodeIndex celltype_of;           // barcode -> index into celltypes
  std::vector<std::string> barcodes;  // in file order
  std::vector<int> barcode_celltype;  // barcodes[i]'s cell type
};

struct BarcodeColumns {
  std::string barcode;   // "" = found from the header's names
  std::string celltype;  // "" = found from the header's names
};

BarcodeTable ReadBarcodeTable(const std::string& path, const BarcodeColumns& columns = {});

}  // namespace getps
