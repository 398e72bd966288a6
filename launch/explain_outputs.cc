#include "launch/explain_outputs.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "launch/explain_page.h"
#include "storage/npy_writer.h"

namespace getps::cli {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> FeatureNames(const StoreReader& store) {
  auto names = store.metadata().feature_names;
  names.push_back("accessibility");
  return names;
}

// Feature indices of `v` (n values) by decreasing |value|, the first k.
std::vector<std::size_t> TopFeatures(const float* v, std::size_t n, std::size_t k) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  k = std::min(k, n);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&](std::size_t a, std::size_t b) { return std::abs(v[a]) > std::abs(v[b]); });
  order.resize(k);
  return order;
}

// A text file written through FILE.partial and renamed when closed.
class PartialFile {
 public:
  explicit PartialFile(fs::path path) : path_(std::move(path)), out_(Partial()) {
    if (!out_) throw Error(ErrorCode::kIOError, "cannot write " + Partial().string());
  }
  std::ostream& out() { return out_; }
  void Close() {
    out_.close();
    if (!out_) throw Error(ErrorCode::kIOError, "cannot write " + Partial().string());
    FsyncPath(Partial());
    fs::rename(Partial(), path_);
  }

 private:
  fs::path Partial() const { return path_.string() + ".partial"; }
  fs::path path_;
  std::ofstream out_;
};

}  // namespace

void WriteExplainOutputs(const ExplainJob& job, const std::vector<GeneTask>& tasks,
                         const std::vector<std::string>& celltypes, const StoreReader& store,
                         const ExplainOutputOptions& options) {
  const fs::path dir = job.dir();
  const std::size_t f = job.spec().features;
  const auto names = FeatureNames(store);
  NpyWriter npy((dir / "gene_by_motif.npy").string(), "<f4", {tasks.size(), f});
  PartialFile top(dir / "top_motifs.tsv"), regions(dir / "region_importance.tsv");
  top.out() << "gene\tcelltype\trank\tfeature\timportance\n";
  regions.out() << "gene\tcelltype\tregion\tdistance_to_tss\tjacobian_norm\tenhancer_gene_score\n";
  std::vector<float> outputs(tasks.size());
  for (std::size_t k = 0; k < job.shards(); ++k) {
    const auto e = job.ReadShard(k);
    const auto* motif = e.motif.contiguous().data_ptr<float>();
    const auto* norm = e.region_norm.contiguous().data_ptr<float>();
    const auto* score = e.score.contiguous().data_ptr<float>();
    const auto* ids = e.region_ids.contiguous().data_ptr<std::int64_t>();
    npy.Write(motif, static_cast<std::size_t>(e.motif.numel()) * sizeof(float));
    for (std::size_t g = 0; g < job.ShardCount(k); ++g) {
      const auto& task = tasks[job.ShardFirst(k) + g];
      const std::string who =
          task.gene.name + "\t" + celltypes[static_cast<std::size_t>(task.celltype)] + "\t";
      outputs[job.ShardFirst(k) + g] = e.output[static_cast<std::int64_t>(g)].item<float>();
      const float* v = motif + g * f;
      std::size_t rank = 0;
      for (const auto c : TopFeatures(v, f, options.top_k))
        top.out() << who << ++rank << "\t" << names[c] << "\t" << v[c] << "\n";
      for (std::uint32_t r = 0; r < kRegionsPerWindow; ++r) {
        const std::size_t at = g * kRegionsPerWindow + r;
        const auto id = static_cast<std::uint32_t>(ids[at]);
        regions.out() << who << store.regions().Describe(id) << "\t"
                      << DistanceToTss(task.gene, store.regions().start(id),
                                       store.regions().end(id))
                      << "\t" << norm[at] << "\t" << score[at] << "\n";
      }
    }
  }
  npy.Close();
  top.Close();
  regions.Close();
  WriteFileAtomically(dir / "gene_by_motif.rows.tsv",
                      TaskTable(tasks, celltypes, store, outputs.data()));
  std::string columns = "index\tfeature\n";
  for (std::size_t c = 0; c < names.size(); ++c)
    columns += std::to_string(c) + "\t" + names[c] + "\n";
  WriteFileAtomically(dir / "gene_by_motif.columns.tsv", columns);
  WriteFileAtomically(dir / "explain.html",
                      ExplainPage(job, tasks, celltypes, store, outputs, names, options));
}

namespace {

std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream s(line);
  for (std::string field; std::getline(s, field, '\t');) out.push_back(field);
  return out;
}

std::vector<float> NpyRow(const fs::path& path, std::size_t row, std::size_t width) {
  std::ifstream in(path, std::ios::binary);
  char head[10];
  if (!in.read(head, 10) || std::string(head, 6) != "\x93NUMPY")
    throw Error(ErrorCode::kCorruption, path.string() + ": not a .npy file");
  const auto header = static_cast<std::size_t>(static_cast<unsigned char>(head[8])) |
                      static_cast<std::size_t>(static_cast<unsigned char>(head[9])) << 8;
  std::vector<float> v(width);
  in.seekg(static_cast<std::streamoff>(10 + header + row * width * sizeof(float)));
  if (!in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(width * 4)))
    throw Error(ErrorCode::kCorruption, path.string() + ": shorter than its rows");
  return v;
}

}  // namespace

void ShowExplanation(const std::string& dir_text, const std::string& gene,
                     const std::string& celltype, std::size_t top, std::ostream& out) {
  const fs::path dir = dir_text;
  std::ifstream rows(dir / "gene_by_motif.rows.tsv");
  if (!rows || !fs::exists(dir / "explain.html"))
    throw Error(ErrorCode::kNotFound, dir_text + " holds no finished explain (run getps explain)");
  std::string line;
  std::getline(rows, line);
  std::vector<std::string> hit;
  while (std::getline(rows, line)) {
    auto f = Fields(line);
    if (f.size() == 8 && f[1] == gene && f[2] == celltype) hit = f;
  }
  if (hit.empty())
    throw Error(ErrorCode::kNotFound,
                dir_text + " has no explanation of " + gene + " in " + celltype);
  std::vector<std::string> names;
  std::ifstream columns(dir / "gene_by_motif.columns.tsv");
  std::getline(columns, line);
  while (std::getline(columns, line)) names.push_back(Fields(line).back());
  const auto v = NpyRow(dir / "gene_by_motif.npy", std::stoul(hit[0]), names.size());
  out << gene << " in " << celltype << ": output " << hit[7] << " (" << hit[3] << ":" << hit[4]
      << " " << hit[5] << ", TSS region " << hit[6] << ")\n\ntop features\n";
  std::size_t rank = 0;
  for (const auto c : TopFeatures(v.data(), v.size(), top))
    out << std::setw(4) << ++rank << "  " << std::left << std::setw(24) << names[c] << std::right
        << v[c] << "\n";
  std::ifstream regions(dir / "region_importance.tsv");
  std::vector<std::vector<std::string>> mine;
  while (std::getline(regions, line)) {
    auto f = Fields(line);
    if (f.size() == 6 && f[0] == gene && f[1] == celltype) mine.push_back(std::move(f));
  }
  std::sort(mine.begin(), mine.end(),
            [](const auto& a, const auto& b) { return std::stod(a[5]) > std::stod(b[5]); });
  out << "\nregions by enhancer-gene score\n  region                      distance   "
         "jacobian   score\n";
  for (std::size_t i = 0; i < std::min(top, mine.size()); ++i)
    out << "  " << std::left << std::setw(28) << mine[i][2] << std::right << std::setw(9)
        << mine[i][3] << std::setw(11) << mine[i][4] << std::setw(10) << mine[i][5] << "\n";
}

}  // namespace getps::cli
