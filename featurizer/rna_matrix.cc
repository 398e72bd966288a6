#include "featurizer/rna_matrix.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/enum_names.h"
#include "common/error.h"

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

std::string Shortest(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

bool IsCount(double v) { return std::isfinite(v) && v >= 0 && v == std::floor(v); }

[[noreturn]] void NotACount(const Hdf5Dataset& d, std::uint64_t at, double v) {
  throw Error(ErrorCode::kInvalidArgument,
              d.Where() + ": expected counts (non-negative integers), found " + Shortest(v) +
                  " at value " + std::to_string(at) +
                  "; pseudobulk needs raw counts (AnnData: --rna-layer counts|raw|X)");
}

// A string column of an AnnData dataframe group: plain strings or a
// categorical (codes into categories).
std::vector<std::string> StringColumn(const Hdf5File& f, const std::string& name) {
  if (!f.IsGroup(name)) return Hdf5Dataset(f, name).ReadStrings();
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

struct RnaMatrix::Source {
  std::string matrix;      // e.g. "/matrix", "/layers/counts"
  bool dense = false;      // a 2-D dataset, cells x genes
  bool cell_major = true;  // sparse: indptr runs over cells (10x CSC, AnnData CSR)
  std::uint64_t cells = 0, genes = 0;
};

const char* RnaLayerName(RnaLayer layer) { return kLayerNames.Name(layer); }
RnaLayer ParseRnaLayer(const std::string& name) { return kLayerNames.Parse("--rna-layer", name); }

RnaMatrix::RnaMatrix(const std::string& path, RnaLayer layer)
    : file_(std::make_unique<Hdf5File>(path)), source_(std::make_unique<Source>()) {
  if (file_->IsGroup("/matrix")) {
    Open10x();
  } else if (file_->Exists("/obs") || file_->Exists("/X")) {
    OpenAnnData(layer);
  } else {
    std::string top;
    for (const auto& c : file_->Children("/")) top += (top.empty() ? "" : ", ") + c;
    throw Error(ErrorCode::kInvalidArgument,
                path + ": neither a 10x matrix (/matrix) nor AnnData (/X, /obs, /var); its top " +
                    "level holds: " + (top.empty() ? "nothing" : top));
  }
  CheckLengths();
}

RnaMatrix::~RnaMatrix() = default;

void RnaMatrix::Open10x() {
  Source& s = *source_;
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

void RnaMatrix::OpenAnnData(RnaLayer layer) {
  Source& s = *source_;
  std::string refused;  // why each candidate of kAuto was passed over
  for (const AnnDataMatrix& m : kAnnDataMatrices) {
    if (layer != RnaLayer::kAuto && layer != m.layer) continue;
    if (!file_->Exists(m.matrix)) {
      if (layer != RnaLayer::kAuto)
        throw Error(ErrorCode::kNotFound, file_->path() + ": no matrix " + m.matrix);
      refused += std::string(refused.empty() ? "" : "; ") + m.matrix + " absent";
      continue;
    }
    s.matrix = m.matrix;
    s.dense = !file_->IsGroup(m.matrix);
    std::vector<std::int64_t> shape;
    if (s.dense) {
      const Hdf5Dataset d(*file_, m.matrix);
      if (d.shape().size() != 2)
        throw Error(ErrorCode::kInvalidArgument, d.Where() + ": expected a 2-D matrix");
      shape = {static_cast<std::int64_t>(d.shape()[0]), static_cast<std::int64_t>(d.shape()[1])};
    } else {
      std::string encoding = file_->StringAttribute(m.matrix, "encoding-type");
      if (encoding.empty())
        encoding = file_->StringAttribute(m.matrix, "h5sparse_format") + "_matrix";
      if (encoding != "csr_matrix" && encoding != "csc_matrix") {
        throw Error(ErrorCode::kInvalidArgument,
                    file_->path() + " group " + m.matrix +
                        ": expected a sparse matrix (encoding-type csr_matrix or csc_matrix), "
                        "found '" +
                        encoding + "'");
      }
      s.cell_major = encoding == "csr_matrix";
      shape = file_->IntAttribute(m.matrix, "shape");
      if (shape.empty()) shape = file_->IntAttribute(m.matrix, "h5sparse_shape");
    }
    if (shape.size() != 2 || shape[0] < 0 || shape[1] < 0) {
      throw Error(ErrorCode::kInvalidArgument,
                  file_->path() + " " + m.matrix + ": expected a shape of 2 values (cells, genes)");
    }
    s.cells = static_cast<std::uint64_t>(shape[0]);
    s.genes = static_cast<std::uint64_t>(shape[1]);
    const std::string values = s.dense ? s.matrix : s.matrix + "/data";
    const Hdf5Dataset d(*file_, values);
    std::vector<double> probe(
        s.dense ? std::min<std::uint64_t>(s.cells, 1 + kProbe / (s.genes + 1)) * s.genes
                : std::min<std::uint64_t>(d.size(), kProbe));
    d.Read(0, s.dense ? probe.size() / std::max<std::uint64_t>(s.genes, 1) : probe.size(),
           probe.data());
    const auto bad = std::find_if(probe.begin(), probe.end(), [](double v) { return !IsCount(v); });
    if (layer == RnaLayer::kAuto && bad != probe.end()) {
      refused += std::string(refused.empty() ? "" : "; ") + m.matrix + " holds " + Shortest(*bad) +
                 ", not a count";
      continue;
    }
    description_ = std::string("AnnData ") + (m.matrix + 1) +
                   (s.dense        ? " (dense)"
                    : s.cell_major ? " (CSR)"
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
  const Source& s = *source_;
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
  if (source_->dense) {
    ForEachDense(visit);
  } else {
    ForEachSparse(visit);
  }
}

void RnaMatrix::ForEachDense(const Visitor& visit) const {
  const Source& s = *source_;
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
  const Source& s = *source_;
  const Hdf5Dataset data(*file_, s.matrix + "/data"), indices(*file_, s.matrix + "/indices");
  const auto indptr = Hdf5Dataset(*file_, s.matrix + "/indptr").ReadInts();
  const std::uint64_t major = s.cell_major ? s.cells : s.genes,
                      minor = s.cell_major ? s.genes : s.cells;
  const std::string at = path() + " dataset " + s.matrix + "/indptr: ";
  if (indptr.size() != major + 1) {
    throw Error(ErrorCode::kInvalidArgument,
                at + "expected " + std::to_string(major + 1) + " entries (one more than the " +
                    (s.cell_major ? "cells" : "genes") + " of the shape), found " +
                    std::to_string(indptr.size()));
  }
  if (indices.size() != data.size()) {
    throw Error(ErrorCode::kInvalidArgument,
                indices.Where() + ": expected " + std::to_string(data.size()) +
                    " entries (as many as data), found " + std::to_string(indices.size()));
  }
  if (indptr.front() != 0 || static_cast<std::uint64_t>(indptr.back()) != data.size()) {
    throw Error(ErrorCode::kInvalidArgument,
                at + "expected to run from 0 to " + std::to_string(data.size()) +
                    " (the length of data), runs from " + std::to_string(indptr.front()) + " to " +
                    std::to_string(indptr.back()));
  }
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
      while (static_cast<std::uint64_t>(indptr[row + 1]) <= e) {
        if (indptr[row + 1] < indptr[row])
          throw Error(ErrorCode::kInvalidArgument,
                      at + "decreases at entry " + std::to_string(row + 1));
        ++row;
      }
      if (index[k] < 0 || static_cast<std::uint64_t>(index[k]) >= minor) {
        throw Error(ErrorCode::kInvalidArgument,
                    indices.Where() + ": index " + std::to_string(index[k]) + " at value " +
                        std::to_string(e) + " is outside 0.." + std::to_string(minor - 1));
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
