// SimulateCohort: a cohort of people for a `getps simulate` world (the test
// data of personal genomes), deterministic by seed. Read from the world's
// files (genome.fa, peaks.bed, motifs.meme, expression.tsv, truth.json) and
// written beside them:
//   cohort.vcf.gz(.tbi)   BGZF VCF, tabix-indexed, phased genotypes of N
//                         individuals (IND0001...) at every variant
//   people/CELLTYPE.tsv   per-individual expression, log10(TPM + 1): gene,
//                         then a column per individual (for `genotypes
//                         import --expression-individuals`)
//   cohort_truth.json     every variant (chrom, 1-based pos, ref, alt,
//                         allele frequency, causal, gene, tf, kind, beta per
//                         cell type) and every gene's target and realised h2
//
// The genetics: genes take heritability 0, 0.1, 0.3, 0.6 in turn; each gene
// with h2 > 0 gets one causal variant in its promoter that destroys one of
// its TF instances (a 3-base deletion in its middle) or creates one (an
// insertion of an activating TF's consensus). Its effect per cell type is
// the world's own rule (LogTpm): beta = +-0.35 x activity x effect x the
// domain state, for a homozygous carrier, half per haplotype. Neutral SNVs
// (allele frequencies skewed low) fall in peaks off every planted instance
// and between peaks. A person's expression is the world's reference level
// plus their genetic value plus noise scaled so that genetic variance /
// total = h2 (the world's N(0, 0.08) for h2 = 0), floored at 0 as the
// world's is; realised h2 = corr(genetic value, expression)^2.
#pragma once

#include <cstdint>
#include <string>

namespace getps {

struct CohortOptions {
  int individuals = 50;
  int neutral_per_chromosome = 60;  // SNVs, half inside peaks
};

// Throws Error naming the file when the world in `dir` is incomplete.
void SimulateCohort(const std::string& dir, const CohortOptions& options, std::uint64_t seed);

}  // namespace getps
