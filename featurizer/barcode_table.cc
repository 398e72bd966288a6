#include "featurizer/barcode_table.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "common/error.h"
#include "common/log.h"
#include "common/parse.h"
#include "featurizer/text_reader.h"

namespace getps {
namespace {

constexpr const char* kBarcodeNames[] = {"barcode",      "barcodes",  "cell", "cell_id",
                                         "cell_barcode", "obs_names", "index"};
constexpr const char* kCelltypeNames[] = {"celltype",        "cell_type",       "annotation",
                                          "cell_annotation", "seurat_clusters", "leiden",
                                          "louvain",         "cluster"};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

template <std::size_t N>
int FindName(const std::vector<std::string>& header, const char* const (&names)[N]) {
  for (const char* name : names) {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (Lower(header[i]) == name) return static_cast<int>(i);
  }
  return -1;
}

std::string Listed(const std::vector<std::string>& header) {
  std::string out;
  for (const auto& h : header) out += (out.empty() ? "'" : ", '") + h + "'";
  return out;
}

// The barcode and cell-type columns, and whether line 1 is a header.
struct Layout {
  int barcode = 0, celltype = 1;
  bool header = false;
};

int NamedColumn(const std::vector<std::string>& header, const std::string& name,
                const std::string& option, const TextReader& in) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  throw Error(ErrorCode::kNotFound, in.Where() + "no column '" + name + "' (" + option +
                                        ") in the header; it has " + Listed(header));
}

Layout FindLayout(const std::vector<std::string>& first, const BarcodeColumns& named,
                  const TextReader& in) {
  Layout l;
  if (!named.barcode.empty() || !named.celltype.empty()) {
    l.header = true;
    l.barcode = named.barcode.empty() ? FindName(first, kBarcodeNames)
                                      : NamedColumn(first, named.barcode, "--barcode-column", in);
    if (l.barcode < 0 && !first.empty() && first[0].empty()) l.barcode = 0;
    l.celltype = named.celltype.empty()
                     ? FindName(first, kCelltypeNames)
                     : NamedColumn(first, named.celltype, "--celltype-column", in);
  } else {
    l.barcode = FindName(first, kBarcodeNames);
    if (l.barcode < 0 && first.size() >= 2 && first[0].empty()) l.barcode = 0;  // row names
    l.celltype = FindName(first, kCelltypeNames);
    l.header = l.barcode >= 0 || l.celltype >= 0;
    if (!l.header) return {0, 1, false};
  }
  if (l.celltype < 0 && first.size() == 2 && l.barcode >= 0) l.celltype = 1 - l.barcode;
  if (l.barcode < 0 || l.celltype < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                in.Where() + "the header " + Listed(first) + " names no " +
                    (l.barcode < 0 ? "barcode column (give --barcode-column)"
                                   : "cell-type column (give --celltype-column)"));
  }
  LogInfo("barcodes: " + in.path() + ": barcode column '" + first[l.barcode] +
          "', cell type column '" + first[l.celltype] + "'");
  return l;
}

void Add(BarcodeTable& t, const std::string& barcode, const std::string& celltype,
         const TextReader& in, std::unordered_map<std::string, std::size_t>& line_of) {
  const auto found = std::find(t.celltypes.begin(), t.celltypes.end(), celltype);
  const int ct = static_cast<int>(found - t.celltypes.begin());
  if (found == t.celltypes.end()) {
    t.celltypes.push_back(celltype);
    t.cells.push_back(0);
  }
  const int before = t.celltype_of.Insert(barcode, ct);
  if (before >= 0) {
    throw Error(
        ErrorCode::kInvalidArgument,
        in.Where() + "barcode " + barcode + " already listed on line " +
            std::to_string(line_of[barcode]) +
            (before == ct ? " (duplicate)"
                          : " under cell type " + t.celltypes[static_cast<std::size_t>(before)] +
                                "; a barcode belongs to one cell type"));
  }
  line_of[barcode] = in.line_number();
  t.barcodes.push_back(barcode);
  t.barcode_celltype.push_back(ct);
  ++t.cells[static_cast<std::size_t>(ct)];
}

}  // namespace

BarcodeTable ReadBarcodeTable(const std::string& path, const BarcodeColumns& columns) {
  TextReader in(path);
  BarcodeTable t;
  std::unordered_map<std::string, std::size_t> line_of;
  std::string_view line;
  char sep = '\t';
  Layout layout;
  bool first = true;
  std::size_t unassigned = 0;
  while (in.Next(&line)) {
    if (line.empty() || line[0] == '#') continue;
    if (first)
      sep = line.find('\t') == std::string_view::npos && line.find(',') != line.npos ? ',' : '\t';
    const auto f = SplitQuoted(line, sep);
    if (first) {
      first = false;
      layout = FindLayout(f, columns, in);
      if (layout.header) continue;
    }
    const auto need = static_cast<std::size_t>(std::max(layout.barcode, layout.celltype)) + 1;
    if (f.size() < need || f[layout.barcode].empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  in.Where() + (layout.header ? "expected " + std::to_string(need) +
                                                    " or more fields with a barcode"
                                              : std::string("expected 'barcode<TAB>celltype'")));
    }
    const std::string& celltype = f[layout.celltype];
    if (celltype.empty() || celltype == "NA") {
      ++unassigned;
      continue;
    }
    Add(t, f[layout.barcode], celltype, in, line_of);
  }
  if (unassigned > 0)
    LogInfo("barcodes: " + path + ": skipped " + std::to_string(unassigned) +
            " barcodes without a cell type (empty or NA)");
  if (t.celltypes.empty()) throw Error(ErrorCode::kInvalidArgument, path + ": no barcodes");
  return t;
}

}  // namespace getps
