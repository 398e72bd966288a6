#include "featurizer/barcode_table.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <fstream>

#include "common/error.h"
#include "tests/test_store.h"

namespace getps {
namespace {

using testing_util::TempDir;

BarcodeTable Read(const TempDir& dir, const std::string& text, const BarcodeColumns& c = {}) {
  const std::string path = dir.Sub("table");
  std::ofstream(path) << text;
  return ReadBarcodeTable(path, c);
}

std::string CellType(const BarcodeTable& t, const std::string& barcode) {
  const int ct = t.celltype_of.Find(barcode);
  return ct < 0 ? "-" : t.celltypes[static_cast<std::size_t>(ct)];
}

TEST(BarcodeTable, HeaderlessTsvAsBefore) {
  TempDir dir("bt");
  const BarcodeTable t = Read(dir, "AAAC-1\tB\nAAAG-1\tT\nAAAT-1\tB\n");
  EXPECT_EQ(t.celltypes, (std::vector<std::string>{"B", "T"}));
  EXPECT_EQ(t.cells, (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(CellType(t, "AAAT-1"), "B");
  EXPECT_EQ(t.barcodes, (std::vector<std::string>{"AAAC-1", "AAAG-1", "AAAT-1"}));
}

TEST(BarcodeTable, TwoColumnHeaderStartingWithBarcode) {
  TempDir dir("bt");
  const BarcodeTable t = Read(dir, "barcode\tmy cell type\nAAAC-1\tB\n");
  EXPECT_EQ(t.celltypes, (std::vector<std::string>{"B"}));
}

TEST(BarcodeTable, SeuratMetadataCsv) {
  TempDir dir("bt");
  const BarcodeTable t = Read(dir,
                              "\"\",\"orig.ident\",\"seurat_clusters\",\"celltype\"\n"
                              "\"AAAC-1\",\"pbmc\",\"0\",\"B\"\n"
                              "\"AAAG-1\",\"pbmc\",\"3\",NA\n"
                              "\"AAAT-1\",\"pbmc\",\"1\",\"T cell, CD4\"\n");
  EXPECT_EQ(t.celltypes, (std::vector<std::string>{"B", "T cell, CD4"}));  // quoted comma
  EXPECT_EQ(CellType(t, "AAAG-1"), "-");                                   // NA: skipped
}

TEST(BarcodeTable, OneColumnExportWithRowNames) {
  TempDir dir("bt");  // pandas obs[["cell_type"]].to_csv(), R write.csv of one column
  EXPECT_EQ(Read(dir, ",cell_type\nAAAC-1,B\n").celltypes, (std::vector<std::string>{"B"}));
  EXPECT_EQ(Read(dir, "\"\",\"label\"\n\"AAAC-1\",\"T\"\n").celltypes,
            (std::vector<std::string>{"T"}));
}

TEST(BarcodeTable, ScanpyObsCsvAndNamedColumns) {
  TempDir dir("bt");
  const std::string csv = "index,n_genes,leiden,label\nAAAC-1,10,0,B\nAAAG-1,12,1,T\n";
  EXPECT_EQ(Read(dir, csv).celltypes, (std::vector<std::string>{"0", "1"}));  // leiden
  EXPECT_EQ(Read(dir, csv, {"", "label"}).celltypes, (std::vector<std::string>{"B", "T"}));
  try {
    Read(dir, csv, {"cell", ""});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_EQ(std::string(e.what()), dir.Sub("table") +
                                         ":1: no column 'cell' (--barcode-column) in the header; "
                                         "it has 'index', 'n_genes', 'leiden', 'label'");
  }
}

TEST(BarcodeTable, HeaderWithoutACellTypeColumnAsksForOne) {
  TempDir dir("bt");
  try {
    Read(dir, "barcode,sample,score\nAAAC-1,s1,0.5\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("names no cell-type column (give --celltype-column)"),
              std::string::npos)
        << e.what();
  }
}

TEST(BarcodeTable, DuplicateBarcodeNamesBothLines) {
  TempDir dir("bt");
  try {
    Read(dir, "AAAC-1\tB\nAAAG-1\tB\nAAAC-1\tT\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              dir.Sub("table") +
                  ":3: barcode AAAC-1 already listed on line 1 under cell type B; a barcode "
                  "belongs to one cell type");
  }
}

}  // namespace
}  // namespace getps
