// ImportGenotypes: a cohort's VCF -> a genotype store (storage/genotype_store.h)
// of personal motif features against a finished feature store.
//
// For every store region a variant allele changes, each individual's two
// sequences are built (haplotype.h) and rescanned (near their edits only:
// local_rescan.h) with the store's own
// motif set (the same files, p-value, background and cluster table as
// featurize; checked by rescanning each changed region's reference bases,
// which must give the stored row). A person's value is the mean over their
// two sequences; the store keeps the delta against the reference row.
// Phased calls give the two haplotypes; an unphased call goes to the two
// consensus sequences (the first takes homozygous ALT calls only, the
// second any ALT call), so a heterozygous call counts half, a homozygous
// ALT one fully. Missing calls are the reference. Each ALT allele's delta
// alone on the reference row is kept too, for variant effects.
//
// Alleles changing more than `max_indel` bases, symbolic ones, and those
// reaching past a region's end (other than deletions, which are clipped)
// are counted in the metadata and not applied; so are calls overlapping
// an allele already applied to the same sequence.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/enum_names.h"
#include "featurizer/genome.h"
#include "featurizer/individual_expression.h"
#include "featurizer/region_scan.h"
#include "featurizer/vcf_reader.h"
#include "storage/genotype_store.h"

namespace getps {

// How an edited sequence is scanned: near its edits only (local_rescan.h),
// or whole (the same features, slower: the check of the local rescan).
enum class RescanMode { kLocal, kWhole };
inline constexpr EnumNames<RescanMode, 2> kRescanModes{
    {{{RescanMode::kLocal, "local"}, {RescanMode::kWhole, "whole"}}}};

struct GenotypeImportOptions {
  std::string store;  // the feature store (read only)
  std::string vcf;
  std::string out;  // the genotype store to write
  bool overwrite = false;
  VcfOptions vcf_options;
  std::map<std::string, std::string> chrom_map;  // store chromosome -> genome sequence name
  std::uint32_t max_indel = 50;
  RescanMode rescan = RescanMode::kLocal;
  // Read the whole VCF (not only the store's regions) and keep a variant
  // record of every allele not applied, with its status (variant effects).
  bool every_allele = false;
  // Per-individual expression: genes x individuals tables per store cell
  // type (individual_expression.h), log10(x + 1) of them with log_expression.
  std::vector<IndividualExpressionInput> expression;
  bool log_expression = false;
  int threads = 0;
  bool progress = true;
};

// Writes the genotype store and returns its metadata. Throws Error naming
// the file and record for bad input: a REF that is not the genome's bases
// (another build?), a motif set that does not reproduce the store, more
// than 65,535 individuals, an expression table without a column for every
// individual (checked before the VCF's records are read).
GenotypeMetadata ImportGenotypes(const GenotypeImportOptions& options, const Genome& genome,
                                 const MotifSet& motifs);

}  // namespace getps
