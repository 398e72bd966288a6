#include "featurizer/genotype_import.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>

#include "common/error.h"
#include "common/fp16.h"
#include "common/log.h"
#include "common/parallel.h"
#include "common/progress.h"
#include "featurizer/cluster_scores.h"
#include "featurizer/cohort_reader.h"
#include "featurizer/haplotype.h"
#include "featurizer/local_rescan.h"
#include "featurizer/motif_scanner.h"
#include "featurizer/vcf_reader.h"
#include "storage/store_reader.h"

namespace getps {
namespace {

// Motif rows of sequences, the featurizer's rule; one per worker thread.
// A region's reference is scanned whole (Reference); a person's sequence of
// it only near their edits (Edited, local_rescan.h).
class RowScanner {
 public:
  RowScanner(const MotifScanner& scanner, const LocalRescanner& local, const MotifSet& motifs,
             bool whole)
      : scanner_(scanner), local_(local), motifs_(motifs), whole_(whole) {}

  // The row of a region's reference bases; keeps their matches for Edited.
  std::vector<float> Reference(std::string_view bases) {
    EncodeSequence(bases, &encoded_);
    reference_.clear();
    scanner_.Scan(encoded_, &reference_, &scratch_.scan);
    return RowOf(reference_);
  }
  // The rows of `sequences`, which ApplyEdits made of the last Reference's
  // bases.
  std::vector<std::vector<float>> Edited(std::span<const EditedSequence> sequences) {
    std::vector<std::vector<float>> rows;
    if (!whole_) {
      local_.Scan(reference_, sequences, &batch_, &scratch_);
      for (const auto& matches : batch_) rows.push_back(RowOf(matches));
      return rows;
    }
    for (const EditedSequence& s : sequences) {
      EncodeSequence(s.sequence, &encoded_);
      matches_.clear();
      scanner_.Scan(encoded_, &matches_, &scratch_.scan);
      rows.push_back(RowOf(matches_));
    }
    return rows;
  }

 private:
  std::vector<float> RowOf(std::span<const MotifMatch> matches) {
    std::vector<float> row(motifs_.feature_names.size());
    ClusterScores(matches, motifs_.pssms, motifs_.feature_of_pssm, row, &sorted_);
    return row;
  }

  const MotifScanner& scanner_;
  const LocalRescanner& local_;
  const MotifSet& motifs_;
  bool whole_;  // scan edited sequences whole (the check of the local rescan)
  std::vector<std::uint8_t> encoded_;
  std::vector<MotifMatch> reference_, matches_, sorted_;
  std::vector<std::vector<MotifMatch>> batch_;
  LocalRescanScratch scratch_;
};

struct ImportContext {
  const StoreReader& store;
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

// The distinct edited sequences of one region (each allele alone, each
// person's two), each built and scanned once.
struct RegionSequences {
  std::int64_t start = 0, end = 0;
  std::map<std::vector<std::uint32_t>, std::size_t> index;  // allele ids -> sequence
  std::vector<std::vector<const SequenceEdit*>> edits;
  std::vector<std::vector<EditFit>> fits;
  std::vector<std::string> bases;

  // The sequence carrying `on` (sorted by position); -1 for the reference.
  long Add(const std::vector<const Allele*>& on, const std::string& ref) {
    if (on.empty()) return -1;
    std::vector<std::uint32_t> key;
    std::vector<const SequenceEdit*> applied;
    for (const Allele* a : on) {
      key.push_back(a->variant);
      applied.push_back(&a->edit);
    }
    const auto [it, added] = index.emplace(std::move(key), bases.size());
    if (added) {
      fits.emplace_back();
      bases.push_back(ApplyEdits(ref, start, applied, &fits.back()));
      edits.push_back(std::move(applied));
    }
    return static_cast<long>(it->second);
  }
  std::vector<EditedSequence> Views() const {
    std::vector<EditedSequence> out;
    for (std::size_t i = 0; i < bases.size(); ++i)
      out.push_back({start, end, edits[i], fits[i], bases[i]});
    return out;
  }
  bool Skipped(long i) const {
    return i >= 0 && std::count(fits[static_cast<std::size_t>(i)].begin(),
                                fits[static_cast<std::size_t>(i)].end(), EditFit::kOverlapsEarlier);
  }
};

// Sequence `which` of every individual (its index in `seqs`, 2 per
// individual) and the alleles' dosages.
std::vector<long> PeoplesSequences(const ImportContext& c, const std::string& ref,
                                   const std::vector<Allele>& alleles, RegionSequences* seqs,
                                   std::vector<std::vector<std::uint8_t>>* dosages) {
  const std::size_t n = c.cohort.individuals.size();
  dosages->assign(alleles.size(), std::vector<std::uint8_t>(n, 0));
  std::vector<long> of_person(2 * n);
  for (std::size_t k = 0; k < n; ++k) {
    for (int which = 0; which < 2; ++which) {
      std::vector<const Allele*> on;
      for (std::size_t j = 0; j < alleles.size(); ++j) {
        if (AlleleOnSequence(c.cohort.sites[alleles[j].site], k, which) != alleles[j].index)
          continue;
        on.push_back(&alleles[j]);
        ++(*dosages)[j][k];
      }
      std::sort(on.begin(), on.end(), [](const Allele* a, const Allele* b) {
        return std::pair(a->edit.pos, a->edit.ref_length > 0) <
               std::pair(b->edit.pos, b->edit.ref_length > 0);
      });
      of_person[2 * k + static_cast<std::size_t>(which)] = seqs->Add(on, ref);
    }
  }
  return of_person;
}

// The region's alleles alone and every individual's two sequences, scanned
// in one batch; writes each allele's delta, each person's (their mean's)
// delta where it is not zero, and the alleles' dosages.
void ImportRegion(ImportContext& c, std::uint32_t region, const std::string& ref,
                  const std::vector<float>& ref_row, const std::vector<Allele>& alleles,
                  RowScanner& rows) {
  RegionSequences seqs;
  seqs.start = c.store.regions().start(region);
  seqs.end = c.store.regions().end(region);
  std::vector<long> of_allele;
  for (const Allele& a : alleles) of_allele.push_back(seqs.Add({&a}, ref));
  std::vector<std::vector<std::uint8_t>> dosages;
  const std::vector<long> of_person = PeoplesSequences(c, ref, alleles, &seqs, &dosages);
  const std::vector<std::vector<float>> scanned = rows.Edited(seqs.Views());
  auto row = [&](long i) -> const std::vector<float>& {
    return i < 0 ? ref_row : scanned[static_cast<std::size_t>(i)];
  };
  for (std::size_t j = 0; j < alleles.size(); ++j)
    c.writer.PutAlleleDelta(region, alleles[j].variant,
                            SparseDelta::Between(ref_row, row(of_allele[j])));
  const std::size_t n = c.cohort.individuals.size(), width = ref_row.size();
  std::vector<float> person(width);
  for (std::size_t k = 0; k < n; ++k) {
    const long a = of_person[2 * k], b = of_person[2 * k + 1];
    c.overlapping += seqs.Skipped(a) + seqs.Skipped(b);
    for (std::size_t f = 0; f < width; ++f) person[f] = 0.5f * (row(a)[f] + row(b)[f]);
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
  auto vcf = OpenCohortVcf(o, store->regions(), names);
  const std::vector<std::string>& samples = vcf->samples();
  std::vector<IndividualExpression> expression;
  for (const auto& input : o.expression)
    expression.push_back(ReadIndividualExpression(input, *store, samples, o.log_expression));
  Cohort cohort = ReadCohort(*vcf, o, store->regions(), names, genome);
  auto writer = GenotypeWriter::Create(o.out, o.overwrite);
  GenotypeMetadata meta;
  for (std::size_t e = 0; e < expression.size(); ++e) {
    for (std::size_t k = 0; k < samples.size(); ++k)
      writer->PutExpression(expression[e].celltype, static_cast<std::uint16_t>(k),
                            expression[e].of_individual[k]);
    meta.expression_celltypes.push_back(o.expression[e].celltype);
    meta.options["expression:" + o.expression[e].celltype] = o.expression[e].path;
    meta.counts["expression_genes_matched:" + o.expression[e].celltype] =
        expression[e].genes_matched;
    meta.counts["expression_genes_unknown:" + o.expression[e].celltype] =
        expression[e].genes_unknown;
  }
  ImportContext c{*store, cohort, *writer};
  std::vector<const std::pair<const std::uint32_t, std::vector<Allele>>*> work;
  for (const auto& entry : cohort.of_region) work.push_back(&entry);
  const MotifScanner scanner(motifs.pssms);
  const int threads = ResolveThreads(o.threads);
  const LocalRescanner local(scanner);
  std::vector<RowScanner> rows(static_cast<std::size_t>(threads),
                               RowScanner(scanner, local, motifs, o.rescan == RescanMode::kWhole));
  ProgressMeter meter("rescan", static_cast<std::int64_t>(work.size()), "regions", o.progress);
  std::mutex meter_mu;
  ParallelFor(work.size(), threads, [&](std::size_t i, int worker) {
    const auto& [region, alleles] = *work[i];
    const int chrom = store->regions().ChromosomeOf(region);
    const std::string ref =
        genome.Fetch(names.genome[static_cast<std::size_t>(chrom)], store->regions().start(region),
                     store->regions().end(region));
    RowScanner& scan = rows[static_cast<std::size_t>(worker)];
    const std::vector<float> ref_row = scan.Reference(ref);
    CheckMotifSet(c, region, ref_row);
    ImportRegion(c, region, ref, ref_row, alleles, scan);
    std::lock_guard<std::mutex> lock(meter_mu);
    meter.Advance(1);
  });
  meter.Finish();
  for (std::size_t id = 0; id < cohort.variants.size(); ++id)
    if (cohort.variants[id].region == kNoRegion)
      writer->PutVariant(static_cast<std::uint32_t>(id), cohort.variants[id], {});
  meta.store = o.store;
  meta.store_fingerprint = store->fingerprint();
  meta.vcf = o.vcf;
  meta.individuals = cohort.individuals;
  meta.num_features = store->num_motifs();
  meta.counts.insert(cohort.counts.begin(), cohort.counts.end());
  meta.counts["regions_changed"] = work.size();
  meta.counts["alleles_stored"] = cohort.variants.size();
  meta.counts["person_rows_changed"] = c.changed;
  meta.counts["sequences_with_overlapping_calls"] = c.overlapping;
  meta.options.insert(
      {{"max_indel", std::to_string(o.max_indel)},
       {"rescan", kRescanModes.Name(o.rescan)},
       {"every_allele", o.every_allele ? "true" : "false"},
       {"log_expression", o.log_expression ? "true" : "false"},
       {"pass_only", o.vcf_options.pass_only ? "true" : "false"},
       {"min_qual", o.vcf_options.min_qual ? std::to_string(*o.vcf_options.min_qual) : ""}});
  meta.created_by = "getps genotypes import";
  writer->Finish(meta);
  return meta;
}

}  // namespace getps
