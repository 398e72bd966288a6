// SimulateWorld: a synthetic regulatory world written in the real formats,
// deterministic by seed — the built-in demo data and the ground truth for
// learning tests.
//
// The grammar is built for a model without positional encoding (GET sees a
// window as a set of regions), so its context acts at the scale of chromatin
// domains of 400 regions, never "the region next door":
// - T transcription factors, each with a PWM (width 8-14, strong consensus;
//   TF01, the core-promoter motif, 16 wide and sharp), a per-cell-type
//   activity (ubiquitous, or on in one or two cell types only) and an effect
//   (mostly activating, some repressing).
// - Regions (peaks) carry planted instances in random orientation on a
//   random background genome. A domain prefers three TFs (90% of its
//   instances), so a masked region's content is predictable from its window.
// - A domain is open or closed (openness x 0.25) per cell type. An
//   enhancer's openness grows with the activity of its TFs; promoters (one
//   region in five, two TF01 sites, and only they carry TF01) are held open
//   whatever their domain. Fragments are drawn per region and cell type from
//   openness (Poisson) and spread over the cell type's barcodes.
// - A gene's log10(TPM + 1) in a cell type is 0.3 + 0.35 x (sum over its
//   promoter's TF instances of activity x effect) x domain state, plus
//   N(0, 0.08) noise, floored at 0. Neither the TF activities nor the domain
//   state show in the promoter's own features; the window shows both (how
//   open the enhancers are, and which motifs the open ones carry). That is
//   what GET can use and the per-region MLP baseline cannot.
//
// Files in DIR: genome.fa(.fai), peaks.bed, fragments.tsv.gz(.tbi, BGZF,
// position-sorted), barcodes.tsv, motifs.meme, clusters.tsv,
// cluster_names.csv, genes.gtf, expression.tsv (the truth, TPM), rna.h5
// (the same as a 10x matrix of counts whose CPM pseudobulk reproduces it,
// featurizer/simulate_rna.h), truth.json (activities, effects, planted
// instances), and featurize.cfg for `getps featurize --config
// DIR/featurize.cfg --out S` (labels from rna.h5).
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
