#include "featurizer/cohort_reader.h"

#include <algorithm>
#include <cstdint>

#include "common/error.h"
#include "common/log.h"
#include "common/progress.h"
#include "featurizer/vcf_reader.h"

namespace getps {
namespace {

// The regions to read from an indexed VCF, under both names.
std::vector<Region> QueryRegions(const RegionIndex& regions, const ChromosomeNames& names) {
  std::vector<Region> out;
  for (std::size_t c = 0; c < regions.chromosomes().size(); ++c) {
    const ChromosomeRange& range = regions.chromosomes()[c];
    for (std::uint32_t id = range.first_id; id < range.first_id + range.count; ++id) {
      out.push_back({names.genome[c], regions.start(id), regions.end(id)});
      if (names.genome[c] != range.name)
        out.push_back({range.name, regions.start(id), regions.end(id)});
    }
  }
  std::sort(out.begin(), out.end(), [](const Region& a, const Region& b) {
    return a.chrom != b.chrom ? a.chrom < b.chrom : a.start < b.start;
  });
  return out;
}

void CheckReference(const VcfSite& site, const Genome& genome, const std::string& chrom) {
  const auto end = site.pos + static_cast<std::int64_t>(site.ref.size());
  if (end > genome.Length(chrom))
    throw Error(ErrorCode::kOutOfRange, site.where + ": REF ends past " + chrom + " (" +
                                            std::to_string(genome.Length(chrom)) + " bp)");
  const std::string bases = genome.Fetch(chrom, site.pos, end);
  for (std::size_t i = 0; i < bases.size(); ++i) {
    if (!SameBase(bases[i], site.ref[i]) && !SameBase(bases[i], 'N') && !SameBase(site.ref[i], 'N'))
      throw Error(ErrorCode::kInvalidArgument, site.where + ": REF " + site.ref +
                                                   " is not the genome's " + bases + " at " +
                                                   chrom + ":" + std::to_string(site.pos + 1) +
                                                   " (is the VCF on another build?)");
  }
}

// Keeps a record of an allele not applied, with why, when every allele is
// listed; counts it either way.
void Skip(const VcfSite& site, std::size_t a, const std::string& status, bool every_allele,
          Cohort* cohort) {
  ++cohort->counts["alleles_" + status];
  if (every_allele)
    cohort->variants.push_back({site.chrom, site.pos, site.ref, site.alts[a], kNoRegion, status});
}

// Adds the site's alleles that change a region of chromosome `chrom`.
void AddSite(const VcfSite& site, int chrom, const RegionIndex& regions,
             const GenotypeImportOptions& o, Cohort* cohort) {
  auto& counts = cohort->counts;
  bool kept = false;
  for (std::size_t a = 0; a < site.alts.size(); ++a) {
    ++counts["alleles"];
    if (site.symbolic[a]) {
      Skip(site, a, "symbolic", o.every_allele, cohort);
      continue;
    }
    const SequenceEdit edit = EditOf(site.pos, site.ref, site.alts[a]);
    if (std::max<std::size_t>(edit.ref_length, edit.alt.size()) > o.max_indel) {
      Skip(site, a, "too_long", o.every_allele, cohort);
      continue;
    }
    const auto from = static_cast<std::uint32_t>(std::max<std::int64_t>(edit.pos - 1, 0));
    const auto [first, last] =
        regions.Overlapping(chrom, from, static_cast<std::uint32_t>(edit.end() + 1));
    const auto id = static_cast<std::uint32_t>(cohort->variants.size());
    bool applied = false, crosses = false;
    for (std::uint32_t r = first; r < last; ++r) {
      const EditFit fit = FitOf(edit, regions.start(r), regions.end(r));
      crosses |= fit == EditFit::kCrossesBoundary;
      if (fit != EditFit::kApplied) continue;
      if (!applied)
        cohort->variants.push_back({site.chrom, site.pos, site.ref, site.alts[a], r, ""});
      applied = true;
      cohort->of_region[r].push_back(
          {id, static_cast<std::uint32_t>(cohort->sites.size()), static_cast<int>(a + 1), edit});
    }
    if (applied)
      ++counts["alleles_in_regions"];
    else
      Skip(site, a, crosses ? "crossing_a_region_end" : "outside_regions", o.every_allele, cohort);
    kept |= applied;
  }
  if (!kept) return;
  for (std::size_t k = 0; k < site.phased.size(); ++k)
    counts["calls_missing"] += site.alleles[2 * k] < 0 || site.alleles[2 * k + 1] < 0;
  cohort->sites.push_back({site.alleles, site.phased});
}

// Refuses a VCF none of whose header contigs the store has under either
// name (e.g. "1" against "chr1"): nothing of it would be imported.
void CheckContigs(const VcfReader& vcf, const ChromosomeNames& names) {
  const std::vector<std::string> contigs = vcf.contigs();
  if (contigs.empty()) return;  // a header without contig lines: checked per record
  for (const auto& c : contigs)
    if (names.store_of.count(c)) return;
  auto some = [](const std::vector<std::string>& all) {
    std::string out;
    for (std::size_t i = 0; i < all.size() && i < 5; ++i) out += (i ? ", " : "") + all[i];
    return out + (all.size() > 5 ? ", ..." : "");
  };
  std::vector<std::string> ours;
  for (const auto& [name, chrom] : names.store_of) ours.push_back(name);
  throw Error(ErrorCode::kInvalidArgument,
              vcf.path() + ": none of its " + std::to_string(contigs.size()) + " contigs (" +
                  some(contigs) + ") is a chromosome of the store or its genome (" + some(ours) +
                  "); rename them, e.g. with bcftools annotate --rename-chrs");
}

}  // namespace

std::unique_ptr<VcfReader> OpenCohortVcf(const GenotypeImportOptions& o, const RegionIndex& regions,
                                         const ChromosomeNames& names) {
  auto vcf = VcfReader::Open(o.vcf, o.vcf_options,
                             o.every_allele ? std::vector<Region>{} : QueryRegions(regions, names));
  CheckContigs(*vcf, names);
  return vcf;
}

Cohort ReadCohort(VcfReader& vcf, const GenotypeImportOptions& o, const RegionIndex& regions,
                  const ChromosomeNames& names, const Genome& genome) {
  Cohort cohort;
  cohort.individuals = vcf.samples();
  if (cohort.individuals.size() > 65535)
    throw Error(ErrorCode::kInvalidArgument,
                o.vcf + ": " + std::to_string(cohort.individuals.size()) +
                    " samples; a genotype store holds at most 65,535 (give --samples)");
  ProgressMeter meter("vcf", -1, "records", o.progress);
  VcfSite site;
  while (vcf.Next(&site)) {
    meter.Advance(1);
    ++cohort.counts["sites"];
    auto it = names.store_of.find(site.chrom);
    if (it == names.store_of.end()) {
      ++cohort.counts["sites_on_other_chromosomes"];
      if (o.every_allele)
        for (const auto& alt : site.alts)
          cohort.variants.push_back(
              {site.chrom, site.pos, site.ref, alt, kNoRegion, "other_chromosome"});
      continue;
    }
    CheckReference(site, genome, names.genome[static_cast<std::size_t>(it->second)]);
    AddSite(site, it->second, regions, o, &cohort);
  }
  meter.Finish();
  if (const auto other = cohort.counts["sites_on_other_chromosomes"])
    LogWarning(o.vcf + ": " + std::to_string(other) +
               " sites on chromosomes the store does not have (not imported)");
  cohort.counts["records"] = vcf.counts().read;
  cohort.counts["sites_low_qual"] = vcf.counts().low_qual;
  cohort.counts["sites_not_passed"] = vcf.counts().not_passed;
  LogInfo("vcf: " + std::to_string(vcf.counts().read) + " records of " + o.vcf +
          (vcf.indexed() ? " (index: the store's regions only)" : " (streamed: no index)") + ", " +
          std::to_string(cohort.variants.size()) + " alleles change a region");
  return cohort;
}

}  // namespace getps
