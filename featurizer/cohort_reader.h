// ReadCohort: a VCF's sites that change regions of a feature store, with
// every individual's calls, for ImportGenotypes (genotype_import.h). Every
// REF is checked against the genome; alleles are trimmed to edits
// (haplotype.h) and kept only where they change a region's bases.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "featurizer/genome.h"
#include "featurizer/genotype_import.h"
#include "featurizer/haplotype.h"
#include "featurizer/vcf_reader.h"
#include "storage/genotype_store.h"
#include "storage/region_index.h"

namespace getps {

// One ALT allele that changes a region.
struct Allele {
  std::uint32_t variant = 0;  // its id in the genotype store
  std::uint32_t site = 0;     // index into Cohort::sites
  int index = 0;              // allele index at its site (1: the first ALT)
  SequenceEdit edit;
};

struct SiteCalls {
  std::vector<std::int8_t> alleles;  // 2 per individual
  std::vector<std::uint8_t> phased;
};

struct Cohort {
  std::vector<std::string> individuals;
  std::vector<SiteCalls> sites;
  std::vector<GenotypeVariant> variants;  // by id
  std::map<std::uint32_t, std::vector<Allele>> of_region;
  std::map<std::string, std::uint64_t> counts;
};

// The store's chromosomes under the names a VCF may use: the store's own
// and the genome's (through the chromosome map).
struct ChromosomeNames {
  std::map<std::string, int> store_of;  // VCF name -> store chromosome
  std::vector<std::string> genome;      // per store chromosome

  ChromosomeNames(const RegionIndex& regions, const std::map<std::string, std::string>& map) {
    for (std::size_t c = 0; c < regions.chromosomes().size(); ++c) {
      const std::string& name = regions.chromosomes()[c].name;
      auto it = map.find(name);
      genome.push_back(it == map.end() ? name : it->second);
      store_of[name] = static_cast<int>(c);
      store_of[genome.back()] = static_cast<int>(c);
    }
  }
};

// Opens the VCF of `options` (to read only the store's regions when it is
// indexed). Throws Error when none of its contigs is a chromosome of the
// store under either name.
std::unique_ptr<VcfReader> OpenCohortVcf(const GenotypeImportOptions& options,
                                         const RegionIndex& regions, const ChromosomeNames& names);

// Reads the sites of `vcf` (from OpenCohortVcf). Throws Error naming the
// file and record for a REF that is not the genome's, and for more than
// 65,535 individuals.
Cohort ReadCohort(VcfReader& vcf, const GenotypeImportOptions& options, const RegionIndex& regions,
                  const ChromosomeNames& names, const Genome& genome);

}  // namespace getps
