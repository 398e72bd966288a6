#include "featurizer/rna_matrix.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "common/enum_names.h"
#include "common/error.h"
#include "common/parse.h"

namespace getps {
namespace {

constexpr std::uint64_t kSlice = 1 << 20;  // values read at a time
constexpr std::uint64_t kProbe = 1 << 16;  // values looked at to tell counts (kAuto)

constexpr EnumNames<RnaLayer, 4> kLayerNames{{{{RnaLayer::kAuto, "auto"},
                                               {RnaLayer::kCounts, "counts"},
                                               {RnaLayer::kRaw, "raw"},
                                               {RnaLayer::kX, "X"}}}};

// Where each AnnData matrix lives, and the var table that names its genes.
struct AnnDataMatrix {
  RnaLayer layer;
  const char* matrix;
  const char* var;
};
constexpr AnnDataMatrix kAnnDataMatrices[] = {{RnaLayer::kCounts, "/layers/counts", "/var"},
                                              {RnaLayer::kRaw, "/raw/X", "/raw/var"},
                                              {RnaLayer::kX, "/X", "/var"}};

bool IsCount(double v) { return std::isfinite(v) && v >= 0 && v == std::floor(v); }

[[noreturn]] void NotACount(const Hdf5Dataset& d, std::uint64_t at, double v) {
  throw Error(ErrorCode::kInvalidArgument,
              d.Where() + ": expected counts (non-negative integers), found " + ShortestText(v) +
                  " at value " + std::to_string(at) +
                  "; pseudobulk needs raw counts (AnnData: --rna-layer counts|raw|X)");
}

// A string column of an AnnData dataframe: a string dataset, or a group by
// its encoding-type (anndata >= 0.8): categorical (codes into categories)
// or nullable-string-array (values, a mask: masked entries are "").
std::vector<std::string> StringColumn(const Hdf5File& f, const std::string& name) {
  if (!f.IsGroup(name)) {
    const Hdf5Dataset d(f, name);
    if (!d.IsString() && f.Exists(name) && !f.StringAttribute(name, "categories").empty())
      throw Error(ErrorCode::kInvalidArgument,
                  d.Where() +
                      ": a categorical of anndata < 0.8; re-save the file with anndata "
                      ">= 0.8 (adata.write_h5ad)");
    return d.ReadStrings();
  }
  const std::string encoding = f.StringAttribute(name, "encoding-type");
  if (encoding == "nullable-string-array") {
    auto values = Hdf5Dataset(f, name + "/values").ReadStrings();
    const auto mask = Hdf5Dataset(f, name + "/mask").ReadInts();
    for (std::size_t i = 0; i < values.size() && i < mask.size(); ++i)
      if (mask[i]) values[i].clear();
    return values;
  }
  if (encoding != "categorical" && !f.Exists(name + "/categories")) {
    throw Error(ErrorCode::kInvalidArgument,
                f.path() + " group " + name +
                    ": expected strings (a string dataset, a categorical or a "
                    "nullable-string-array), found encoding-type '" +
                    encoding + "'");
  }
  const auto categories = Hdf5Dataset(f, name + "/categories").ReadStrings();
  const auto codes = Hdf5Dataset(f, name + "/codes").ReadInts();
  std::vector<std::string> out;
  out.reserve(codes.size());
  for (auto c : codes) {
    out.push_back(c >= 0 && static_cast<std::size_t>(c) < categories.size()
                      ? categories[static_cast<std::size_t>(c)]
                      : "");
  }
  return out;
}

// The index column of an AnnData dataframe (obs or var).
std::vector<std::string> DataframeIndex(const Hdf5File& f, const std::string& frame) {
  if (!f.IsGroup(frame)) {
    throw Error(ErrorCode::kInvalidArgument,
                f.path() + ": expected " + frame + " as a group (AnnData 0.7 or later)");
  }
  std::string column = f.StringAttribute(frame, "_index");
  if (column.empty()) column = "_index";
  return StringColumn(f, frame + "/" + column);
}

}  // namespace

const char* RnaLayerName(RnaLayer layer) { return kLayerNames.Name(layer); }
RnaLayer ParseRnaLayer(const std::string& name) { return kLayerNames.Parse("--rna-layer", name); }

RnaMatrix::RnaMatrix(const std::string& path, RnaLayer layer)
    : file_(std::make_unique<Hdf5File>(path)), layout_(std::make_unique<Layout>()) {
  if (file_->IsGroup("/matrix")) {
    Open10x();
  } else if (file_->Exists("/obs") || file_->Exists("/X")) {
    OpenAnnData(layer);
  } else {
    std::string top;
    for (const auto& c : file_->Children("/")) {
      if (file_->Exists("/" + c + "/gene_names") && file_->Exists("/" + c + "/indptr"))
        throw Error(ErrorCode::kInvalidArgument,
                    path + ": the Cell Ranger 2 layout (/" + c + "/genes, gene_names, ...), not " +
                        "read: re-run Cell Ranger 3 or later, or convert it (scanpy.read_10x_h5, " +
                        "then write_h5ad)");
      top += (top.empty() ? "" : ", ") + c;
    }
    throw Error(ErrorCode::kInvalidArgument,
                path + ": neither a 10x matrix (/matrix) nor AnnData (/X, /obs, /var); its top " +
                    "level holds: " + (top.empty() ? "nothing" : top));
  }
  CheckLengths();
}

RnaMatrix::~RnaMatrix() = default;

void RnaMatrix::Open10x() {
  Layout& s = *layout_;
  s.matrix = "/matrix";
  const auto shape = Hdf5Dataset(*file_, "/matrix/shape").ReadInts();
  if (shape.size() != 2 || shape[0] < 0 || shape[1] < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                file_->path() + " dataset /matrix/shape: expected 2 values (features, barcodes)");
  }
  s.genes = static_cast<std::uint64_t>(shape[0]);
  s.cells = static_cast<std::uint64_t>(shape[1]);
  barcodes_ = Hdf5Dataset(*file_, "/matrix/barcodes").ReadStrings();
  gene_names_ = Hdf5Dataset(*file_, "/matrix/features/name").ReadStrings();
  gene_ids_ = file_->Exists("/matrix/features/id")
                  ? Hdf5Dataset(*file_, "/matrix/features/id").ReadStrings()
                  : std::vector<std::string>(gene_names_.size());
  is_gene_.assign(gene_names_.size(), 1);
  if (file_->Exists("/matrix/features/feature_type")) {
    const auto types = Hdf5Dataset(*file_, "/matrix/features/feature_type").ReadStrings();
    if (types.size() != gene_names_.size()) {
      throw Error(ErrorCode::kInvalidArgument,
                  file_->path() + " dataset /matrix/features/feature_type: expected " +
                      std::to_string(gene_names_.size()) +
                      " entries (one per feature name), found " + std::to_string(types.size()));
    }
    for (std::size_t g = 0; g < types.size(); ++g) is_gene_[g] = types[g] == "Gene Expression";
  }
  description_ = "10x /matrix";
}

namespace {

// Reads matrix `m`'s layout (dense or sparse, its orientation and shape)
// into `s`.
void ReadAnnDataLayout(const Hdf5File& f, const char* m, RnaMatrix::Layout* s) {
  s->dense = !f.IsGroup(m);
  std::vector<std::int64_t> shape;
  if (s->dense) {
    const Hdf5Dataset d(f, m);
    if (d.shape().size() != 2)
      throw Error(ErrorCode::kInvalidArgument, d.Where() + ": expected a 2-D matrix");
    shape = {static_cast<std::int64_t>(d.shape()[0]), static_cast<std::int64_t>(d.shape()[1])};
  } else {
    std::string encoding = f.StringAttribute(m, "encoding-type");
    if (encoding.empty()) encoding = f.StringAttribute(m, "h5sparse_format") + "_matrix";
    if (encoding != "csr_matrix" && encoding != "csc_matrix") {
      throw Error(ErrorCode::kInvalidArgument,
                  f.path() + " group " + m +
                      ": expected a sparse matrix (encoding-type csr_matrix or csc_matrix), "
                      "found '" +
                      encoding + "'");
    }
    s->cell_major = encoding == "csr_matrix";
    shape = f.IntAttribute(m, "shape");
    if (shape.empty()) shape = f.IntAttribute(m, "h5sparse_shape");
  }
  if (shape.size() != 2 || shape[0] < 0 || shape[1] < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                f.path() + " " + m + ": expected a shape of 2 values (cells, genes)");
  }
  s->matrix = m;
  s->cells = static_cast<std::uint64_t>(shape[0]);
  s->genes = static_cast<std::uint64_t>(shape[1]);
}

// The first value of matrix `s` that is not a count, among the first
// kProbe (dense: whole rows); nullopt when they all are.
std::optional<double> FirstNonCount(const Hdf5File& f, const RnaMatrix::Layout& s) {
  const Hdf5Dataset d(f, s.dense ? s.matrix : s.matrix + "/data");
  const std::uint64_t rows =
      s.dense ? std::min<std::uint64_t>(s.cells, 1 + kProbe / (s.genes + 1)) : 0;
  std::vector<double> probe(s.dense ? rows * s.genes : std::min<std::uint64_t>(d.size(), kProbe));
  d.Read(0, s.dense ? rows : probe.size(), probe.data());
  const auto bad = std::find_if(probe.begin(), probe.end(), [](double v) { return !IsCount(v); });
  if (bad == probe.end()) return std::nullopt;
  return *bad;
}

// indptr of a sparse matrix: major + 1 entries from 0 to nnz, never
// decreasing (so every value's row is found by walking forward).
void CheckIndexPointer(const std::vector<std::int64_t>& indptr, std::uint64_t major,
                       std::uint64_t nnz, const char* rows, const std::string& at) {
  if (indptr.size() != major + 1) {
    throw Error(ErrorCode::kInvalidArgument,
                at + "expected " + std::to_string(major + 1) + " entries (one more than the " +
                    rows + " of the shape), found " + std::to_string(indptr.size()));
  }
  if (indptr.front() != 0 || static_cast<std::uint64_t>(indptr.back()) != nnz) {
    throw Error(ErrorCode::kInvalidArgument,
                at + "expected to run from 0 to " + std::to_string(nnz) +
                    " (the length of data), runs from " + std::to_string(indptr.front()) + " to " +
                    std::to_string(indptr.back()));
  }
  for (std::size_t i = 1; i < indptr.size(); ++i) {
    if (indptr[i] < indptr[i - 1]) {
      throw Error(ErrorCode::kInvalidArgument,
                  at + "expected never to decrease; entry " + std::to_string(i) + " (" +
                      std::to_string(indptr[i]) + ") is below entry " + std::to_string(i - 1) +
                      " (" + std::to_string(indptr[i - 1]) + ")");
    }
  }
}

}  // namespace

void RnaMatrix::OpenAnnData(RnaLayer layer) {
  std::string refused;  // why each candidate of kAuto was passed over
  for (const AnnDataMatrix& m : kAnnDataMatrices) {
    if (layer != RnaLayer::kAuto && layer != m.layer) continue;
    if (!file_->Exists(m.matrix)) {
      if (layer != RnaLayer::kAuto)
        throw Error(ErrorCode::kNotFound, file_->path() + ": no matrix " + m.matrix);
      refused += std::string(refused.empty() ? "" : "; ") + m.matrix + " absent";
      continue;
    }
    ReadAnnDataLayout(*file_, m.matrix, layout_.get());
    if (layer == RnaLayer::kAuto) {
      if (const auto bad = FirstNonCount(*file_, *layout_)) {
        refused += std::string(refused.empty() ? "" : "; ") + m.matrix + " holds " +
                   ShortestText(*bad) + ", not a count";
        continue;
      }
    }
    description_ = std::string("AnnData ") + (m.matrix + 1) +
                   (layout_->dense        ? " (dense)"
                    : layout_->cell_major ? " (CSR)"
                                          : " (CSC)");
    ReadAnnDataNames(m.var);
    return;
  }
  throw Error(ErrorCode::kInvalidArgument,
              file_->path() + ": no matrix of counts (" + refused +
                  "); pseudobulk needs raw counts, e.g. in layers/counts");
}

void RnaMatrix::ReadAnnDataNames(const std::string& var) {
  barcodes_ = DataframeIndex(*file_, "/obs");
  gene_names_ = DataframeIndex(*file_, var);
  gene_ids_ = file_->Exists(var + "/gene_ids") ? StringColumn(*file_, var + "/gene_ids")
                                               : std::vector<std::string>(gene_names_.size());
  is_gene_.assign(gene_names_.size(), 1);
}

void RnaMatrix::CheckLengths() const {
  const Layout& s = *layout_;
  auto expect = [&](std::size_t have, std::uint64_t want, const std::string& what) {
    if (have != want) {
      throw Error(ErrorCode::kInvalidArgument,
                  path() + " " + what + ": expected " + std::to_string(want) +
                      " entries (the matrix shape is " + std::to_string(s.cells) + " cells x " +
                      std::to_string(s.genes) + " genes), found " + std::to_string(have));
    }
  };
  const bool tenx = s.matrix == "/matrix";
  expect(barcodes_.size(), s.cells, tenx ? "dataset /matrix/barcodes" : "obs index");
  expect(gene_names_.size(), s.genes, tenx ? "dataset /matrix/features/name" : "var index");
  expect(gene_ids_.size(), s.genes, tenx ? "dataset /matrix/features/id" : "var/gene_ids");
}

void RnaMatrix::ForEach(const Visitor& visit) const {
  if (layout_->dense) {
    ForEachDense(visit);
  } else {
    ForEachSparse(visit);
  }
}

void RnaMatrix::ForEachDense(const Visitor& visit) const {
  const Layout& s = *layout_;
  const Hdf5Dataset d(*file_, s.matrix);
  const std::uint64_t rows =
      std::max<std::uint64_t>(1, kSlice / std::max<std::uint64_t>(s.genes, 1));
  std::vector<double> block;
  for (std::uint64_t first = 0; first < s.cells; first += rows) {
    const std::uint64_t n = std::min(rows, s.cells - first);
    block.resize(n * s.genes);
    d.Read(first, n, block.data());
    for (std::uint64_t k = 0; k < block.size(); ++k) {
      const double v = block[k];
      if (!IsCount(v)) NotACount(d, first * s.genes + k, v);
      if (v != 0) visit(first + k / s.genes, k % s.genes, v);
    }
  }
}

void RnaMatrix::ForEachSparse(const Visitor& visit) const {
  const Layout& s = *layout_;
  const Hdf5Dataset data(*file_, s.matrix + "/data"), indices(*file_, s.matrix + "/indices");
  const auto indptr = Hdf5Dataset(*file_, s.matrix + "/indptr").ReadInts();
  const std::uint64_t major = s.cell_major ? s.cells : s.genes,
                      minor = s.cell_major ? s.genes : s.cells;
  if (indices.size() != data.size()) {
    throw Error(ErrorCode::kInvalidArgument,
                indices.Where() + ": expected " + std::to_string(data.size()) +
                    " entries (as many as data), found " + std::to_string(indices.size()));
  }
  CheckIndexPointer(indptr, major, data.size(), s.cell_major ? "cells" : "genes",
                    path() + " dataset " + s.matrix + "/indptr: ");
  std::vector<double> values;
  std::vector<std::int64_t> index;
  std::uint64_t row = 0;
  for (std::uint64_t first = 0; first < data.size(); first += kSlice) {
    const std::uint64_t n = std::min(kSlice, data.size() - first);
    values.resize(n);
    index.resize(n);
    data.Read(first, n, values.data());
    indices.Read(first, n, index.data());
    for (std::uint64_t k = 0; k < n; ++k) {
      const std::uint64_t e = first + k;
      while (static_cast<std::uint64_t>(indptr[row + 1]) <= e) ++row;  // checked: it ends
      if (index[k] < 0 || static_cast<std::uint64_t>(index[k]) >= minor) {
        throw Error(ErrorCode::kInvalidArgument,
                    indices.Where() + ": index " + std::to_string(index[k]) + " at value " +
                        std::to_string(e) + " is outside " +
                        (minor == 0 ? std::string("the matrix (its shape has no ") +
                                          (s.cell_major ? "genes)" : "cells)")
                                    : "0.." + std::to_string(minor - 1)));
      }
      if (!IsCount(values[k])) NotACount(data, e, values[k]);
      const auto m = static_cast<std::size_t>(index[k]);
      if (s.cell_major) {
        visit(row, m, values[k]);
      } else {
        visit(m, row, values[k]);
      }
    }
  }
}

}  // namespace getps
