// SimulateWorld: a synthetic regulatory world written in the real formats,
// deterministic by seed — the built-in demo data and the ground truth for
// learning tests.
//
// The grammar: T transcription factors, each with a PWM (width 8-14, strong
// consensus) and a per-cell-type activity (ubiquitous, or on in one or two
// cell types only) and an effect (mostly activating, some repressing).
// Regions (peaks) carry planted instances of TFs in random orientation on a
// random background genome; regions come in regulatory domains of 8 that
// prefer three TFs of their own (70% of instances), so a region's content is
// predictable from its neighbours. Promoters, and only they, carry the
// core-promoter motif TF01. A region's openness in a cell
// type grows with the activity of the TFs planted in it; fragments are drawn
// per region and cell type from that openness (Poisson) and spread over the
// cell type's barcodes. One region in five is a promoter holding a gene's
// TSS; the gene's log10(TPM + 1) in a cell type is a known function of the
// motif content x activity x openness of the regions around it, decaying
// with distance (in regions), plus small noise.
//
// Files in DIR: genome.fa(.fai), peaks.bed, fragments.tsv.gz(.tbi, BGZF,
// position-sorted), barcodes.tsv, motifs.meme, clusters.tsv,
// cluster_names.csv, genes.gtf, expression.tsv, truth.json (activities,
// effects, planted instances), and
// featurize.cfg for `getps featurize --config DIR/featurize.cfg --out S`.
#pragma once

#include <cstdint>
#include <string>

namespace getps {

struct SimulationScale {
  int chromosomes = 4;
  int peaks_per_chromosome = 700;
  int celltypes = 4;
  int tfs = 16;
  int cells_per_celltype = 600;
  double fragments_per_region = 30;  // mean per region and cell type at openness 1
};

// "tiny" (CI: seconds), "small" (demo), "bench". Throws on other names.
SimulationScale ScaleNamed(const std::string& name);

void SimulateWorld(const std::string& dir, const SimulationScale& scale, std::uint64_t seed,
                   bool progress);

}  // namespace getps
