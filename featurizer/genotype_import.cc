#include "featurizer/genotype_import.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <mutex>

#include "common/error.h"
#include "common/fp16.h"
#include "common/log.h"
#include "common/parallel.h"
#include "common/progress.h"
#include "featurizer/cluster_scores.h"
#include "featurizer/haplotype.h"
#include "featurizer/motif_scanner.h"
#include "storage/store_reader.h"

namespace getps {
namespace {

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
    const char g = static_cast<char>(std::toupper(static_cast<unsigned char>(bases[i])));
    const char r = static_cast<char>(std::toupper(static_cast<unsigned char>(site.ref[i])));
    if (g != r && g != 'N' && r != 'N')
      throw Error(ErrorCode::kInvalidArgument, site.where + ": REF " + site.ref +
                                                   " is not the genome's " + bases + " at " +
                                                   chrom + ":" + std::to_string(site.pos + 1) +
                                                   " (is the VCF on another build?)");
  }
}

// Adds the site's alleles that change a region of chromosome `chrom`.
void AddSite(const VcfSite& site, int chrom, const RegionIndex& regions, std::uint32_t max_indel,
             Cohort* cohort) {
  auto& counts = cohort->counts;
  bool kept = false;
  for (std::size_t a = 0; a < site.alts.size(); ++a) {
    ++counts["alleles"];
    if (site.symbolic[a]) {
      ++counts["alleles_symbolic"];
      continue;
    }
    const SequenceEdit edit = EditOf(site.pos, site.ref, site.alts[a]);
    if (std::max<std::size_t>(edit.ref_length, edit.alt.size()) > max_indel) {
      ++counts["alleles_too_long"];
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
      if (!applied) cohort->variants.push_back({site.chrom, site.pos, site.ref, site.alts[a], r});
      applied = true;
      cohort->of_region[r].push_back(
          {id, static_cast<std::uint32_t>(cohort->sites.size()), static_cast<int>(a + 1), edit});
    }
    ++counts[applied   ? "alleles_in_regions"
             : crosses ? "alleles_crossing_a_region_end"
                       : "alleles_outside_regions"];
    kept |= applied;
  }
  if (!kept) return;
  for (std::size_t k = 0; k < site.phased.size(); ++k)
    counts["calls_missing"] += site.alleles[2 * k] < 0 || site.alleles[2 * k + 1] < 0;
  cohort->sites.push_back({site.alleles, site.phased});
}

Cohort ReadCohort(const GenotypeImportOptions& o, const RegionIndex& regions,
                  const ChromosomeNames& names, const Genome& genome) {
  auto vcf = VcfReader::Open(o.vcf, o.vcf_options, QueryRegions(regions, names));
  Cohort cohort;
  cohort.individuals = vcf->samples();
  if (cohort.individuals.size() > 65535)
    throw Error(ErrorCode::kInvalidArgument,
                o.vcf + ": " + std::to_string(cohort.individuals.size()) +
                    " samples; a genotype store holds at most 65,535 (give --samples)");
  ProgressMeter meter("vcf", -1, "records", o.progress);
  VcfSite site;
  while (vcf->Next(&site)) {
    meter.Advance(1);
    ++cohort.counts["sites"];
    auto it = names.store_of.find(site.chrom);
    if (it == names.store_of.end()) {
      ++cohort.counts["sites_on_other_chromosomes"];
      continue;
    }
    CheckReference(site, genome, names.genome[static_cast<std::size_t>(it->second)]);
    AddSite(site, it->second, regions, o.max_indel, &cohort);
  }
  meter.Finish();
  cohort.counts["records"] = vcf->counts().read;
  cohort.counts["sites_low_qual"] = vcf->counts().low_qual;
  cohort.counts["sites_not_passed"] = vcf->counts().not_passed;
  LogInfo("vcf: " + std::to_string(vcf->counts().read) + " records of " + o.vcf +
          (vcf->indexed() ? " (index: the store's regions only)" : " (streamed: no index)") + ", " +
          std::to_string(cohort.variants.size()) + " alleles change a region");
  return cohort;
}

// Motif rows of sequences, the featurizer's rule; one per worker thread.
class RowScanner {
 public:
  RowScanner(const MotifScanner& scanner, const MotifSet& motifs)
      : scanner_(scanner), motifs_(motifs) {}
  std::vector<float> Row(std::string_view sequence) {
    EncodeSequence(sequence, &encoded_);
    matches_.clear();
    scanner_.Scan(encoded_, &matches_, &scratch_);
    std::vector<float> row(motifs_.feature_names.size());
    ClusterScores(matches_, motifs_.pssms, motifs_.feature_of_pssm, row, &sorted_);
    return row;
  }

 private:
  const MotifScanner& scanner_;
  const MotifSet& motifs_;
  std::vector<std::uint8_t> encoded_;
  std::vector<MotifMatch> matches_, sorted_;
  ScanScratch scratch_;
};

struct ImportContext {
  const GenotypeImportOptions& options;
  const StoreReader& store;
  const Genome& genome;
  const ChromosomeNames& names;
  const Cohort& cohort;
  GenotypeWriter& writer;
  std::atomic<std::uint64_t> overlapping{0};  // person sequences with a call skipped
  std::atomic<std::uint64_t> changed{0};      // (person, region) rows stored
};

// The allele (0: REF) that sequence `which` of individual k takes at a site.
int AlleleOnSequence(const SiteCalls& calls, std::size_t k, int which) {
  const int a0 = calls.alleles[2 * k], a1 = calls.alleles[2 * k + 1];
  if (calls.phased[k]) return std::max(which ? a1 : a0, 0);
  if (which == 0) return a0 == a1 && a0 > 0 ? a0 : 0;
  return a0 > 0 ? a0 : std::max(a1, 0);
}

// The rescanned reference must be the stored row: otherwise the motif
// options are not the ones the store was made with.
void CheckMotifSet(const ImportContext& c, std::uint32_t region, const std::vector<float>& row) {
  std::vector<float> stored(row.size());
  c.store.ReadMotifScores(region, stored.data());
  const bool half = c.store.metadata().motif_dtype == MotifDtype::kFloat16;
  for (std::size_t j = 0; j < row.size(); ++j) {
    const float expected = half ? HalfToFloat(FloatToHalf(row[j])) : row[j];
    if (expected == stored[j]) continue;
    throw Error(ErrorCode::kInvalidArgument,
                "the motif options do not reproduce store " + c.store.path() + ": region " +
                    c.store.regions().Describe(region) + ", feature " +
                    c.store.metadata().feature_names[j] + ": stored " + std::to_string(stored[j]) +
                    ", rescanned " + std::to_string(row[j]) +
                    " (give the --motifs, --clusters, --cluster-names, --pvalue, --pseudocount and "
                    "--background featurize used, e.g. its --config)");
  }
}

// Each ALT allele alone on the reference row.
void ImportAlleles(ImportContext& c, std::uint32_t region, const std::string& ref,
                   const std::vector<float>& ref_row, const std::vector<Allele>& alleles,
                   RowScanner& rows) {
  std::vector<EditFit> fits;
  const std::int64_t start = c.store.regions().start(region);
  for (const Allele& a : alleles) {
    const SequenceEdit* one[] = {&a.edit};
    const auto row = rows.Row(ApplyEdits(ref, start, one, &fits));
    c.writer.PutAlleleDelta(region, a.variant, SparseDelta::Between(ref_row, row));
  }
}

// Every individual's two sequences of the region, rescanned (each distinct
// sequence once), and their mean's delta; the alleles' dosages.
void ImportPeople(ImportContext& c, std::uint32_t region, const std::string& ref,
                  const std::vector<float>& ref_row, const std::vector<Allele>& alleles,
                  RowScanner& rows) {
  const std::size_t n = c.cohort.individuals.size(), width = ref_row.size();
  const std::int64_t start = c.store.regions().start(region);
  std::map<std::vector<std::uint32_t>, std::pair<std::vector<float>, bool>> seen;
  std::vector<std::vector<std::uint8_t>> dosages(alleles.size(), std::vector<std::uint8_t>(n, 0));
  std::vector<EditFit> fits;
  for (std::size_t k = 0; k < n; ++k) {
    std::vector<float> person(width, 0.0f);
    for (int which = 0; which < 2; ++which) {
      std::vector<const Allele*> on;
      for (std::size_t j = 0; j < alleles.size(); ++j) {
        const SiteCalls& calls = c.cohort.sites[alleles[j].site];
        if (AlleleOnSequence(calls, k, which) != alleles[j].index) continue;
        on.push_back(&alleles[j]);
        ++dosages[j][k];
      }
      std::sort(on.begin(), on.end(), [](const Allele* a, const Allele* b) {
        return std::pair(a->edit.pos, a->edit.ref_length > 0) <
               std::pair(b->edit.pos, b->edit.ref_length > 0);
      });
      std::vector<std::uint32_t> key;
      std::vector<const SequenceEdit*> edits;
      for (const Allele* a : on) {
        key.push_back(a->variant);
        edits.push_back(&a->edit);
      }
      auto it = seen.find(key);
      if (it == seen.end()) {
        const std::string sequence = ApplyEdits(ref, start, edits, &fits);
        const bool skipped = std::count(fits.begin(), fits.end(), EditFit::kOverlapsEarlier) > 0;
        it = seen.emplace(key, std::pair(on.empty() ? ref_row : rows.Row(sequence), skipped)).first;
      }
      c.overlapping += it->second.second;
      for (std::size_t f = 0; f < width; ++f) person[f] += it->second.first[f];
    }
    for (float& v : person) v *= 0.5f;
    const SparseDelta delta = SparseDelta::Between(ref_row, person);
    if (delta.empty()) continue;
    c.writer.PutPersonDelta(static_cast<std::uint16_t>(k), region, delta);
    ++c.changed;
  }
  for (std::size_t j = 0; j < alleles.size(); ++j) {
    const GenotypeVariant& v = c.cohort.variants[alleles[j].variant];
    if (v.region != region) continue;  // written with the first region it changes
    const SiteCalls& calls = c.cohort.sites[alleles[j].site];
    for (std::size_t k = 0; k < n; ++k)
      if (calls.alleles[2 * k] < 0 && calls.alleles[2 * k + 1] < 0) dosages[j][k] = kMissingDosage;
    c.writer.PutVariant(alleles[j].variant, v, dosages[j]);
  }
}

}  // namespace

GenotypeMetadata ImportGenotypes(const GenotypeImportOptions& o, const Genome& genome,
                                 const MotifSet& motifs) {
  auto store = StoreReader::Open(o.store);
  if (motifs.feature_names != store->metadata().feature_names)
    throw Error(ErrorCode::kInvalidArgument,
                "the motif set has " + std::to_string(motifs.feature_names.size()) +
                    " features and store " + o.store + " " + std::to_string(store->num_motifs()) +
                    " that differ in name or order: give the --motifs, --clusters and "
                    "--cluster-names featurize used");
  const ChromosomeNames names(store->regions(), o.chrom_map);
  Cohort cohort = ReadCohort(o, store->regions(), names, genome);
  auto writer = GenotypeWriter::Create(o.out, o.overwrite);
  ImportContext c{o, *store, genome, names, cohort, *writer};
  std::vector<const std::pair<const std::uint32_t, std::vector<Allele>>*> work;
  for (const auto& entry : cohort.of_region) work.push_back(&entry);
  const MotifScanner scanner(motifs.pssms);
  const int threads = ResolveThreads(o.threads);
  std::vector<RowScanner> rows(static_cast<std::size_t>(threads), RowScanner(scanner, motifs));
  ProgressMeter meter("rescan", static_cast<std::int64_t>(work.size()), "regions", o.progress);
  std::mutex meter_mu;
  ParallelFor(work.size(), threads, [&](std::size_t i, int worker) {
    const auto& [region, alleles] = *work[i];
    const int chrom = store->regions().ChromosomeOf(region);
    const std::string ref =
        genome.Fetch(names.genome[static_cast<std::size_t>(chrom)], store->regions().start(region),
                     store->regions().end(region));
    RowScanner& scan = rows[static_cast<std::size_t>(worker)];
    const std::vector<float> ref_row = scan.Row(ref);
    CheckMotifSet(c, region, ref_row);
    ImportAlleles(c, region, ref, ref_row, alleles, scan);
    ImportPeople(c, region, ref, ref_row, alleles, scan);
    std::lock_guard<std::mutex> lock(meter_mu);
    meter.Advance(1);
  });
  meter.Finish();
  GenotypeMetadata meta;
  meta.store = o.store;
  meta.store_fingerprint = store->fingerprint();
  meta.vcf = o.vcf;
  meta.individuals = cohort.individuals;
  meta.num_features = store->num_motifs();
  meta.counts = cohort.counts;
  meta.counts["regions_changed"] = work.size();
  meta.counts["alleles_stored"] = cohort.variants.size();
  meta.counts["person_rows_changed"] = c.changed;
  meta.counts["sequences_with_overlapping_calls"] = c.overlapping;
  meta.options = {
      {"max_indel", std::to_string(o.max_indel)},
      {"pass_only", o.vcf_options.pass_only ? "true" : "false"},
      {"min_qual", o.vcf_options.min_qual ? std::to_string(*o.vcf_options.min_qual) : ""}};
  meta.created_by = "getps genotypes import";
  writer->Finish(meta);
  return meta;
}

}  // namespace getps
