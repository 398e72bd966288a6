// The merged outputs of a finished `getps explain` (explain_job.h), and
// lookups in them.
//
//   gene_by_motif.npy          float32 [tasks, F], rows as genes.tsv
//   gene_by_motif.rows.tsv     genes.tsv plus the output explained
//   gene_by_motif.columns.tsv  index, feature (the motif clusters, then
//                              accessibility)
//   top_motifs.tsv             gene, celltype, rank, feature, importance:
//                              the top k features by |importance|
//   region_importance.tsv      gene, celltype, region, distance_to_tss,
//                              jacobian_norm, enhancer_gene_score: every
//                              region of every gene's window, in window order
//   explain.html               top motifs x genes, per-gene region tracks
//
// Each file is written whole or not at all (a rename), the HTML page last.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "launch/explain_job.h"

namespace getps::cli {

struct ExplainOutputOptions {
  std::size_t top_k = 10;       // top_motifs.tsv rows per gene
  std::size_t page_genes = 40;  // genes of the page's heatmap (highest outputs)
  std::size_t page_tracks = 6;  // genes with a region track on the page
};

// Merges every shard of `job` (all must be there) into the files above.
void WriteExplainOutputs(const ExplainJob& job, const std::vector<GeneTask>& tasks,
                         const std::vector<std::string>& celltypes, const StoreReader& store,
                         const ExplainOutputOptions& options);

// `getps explain show`: the output, top motifs and top regions of `gene` in
// `celltype` from a finished explain folder. Throws Error(kNotFound) naming
// the folder when it holds no such gene and cell type (or is unfinished).
void ShowExplanation(const std::string& dir, const std::string& gene, const std::string& celltype,
                     std::size_t top, std::ostream& out);

}  // namespace getps::cli
