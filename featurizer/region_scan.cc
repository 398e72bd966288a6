#include "featurizer/region_scan.h"

#include <cstdint>

#include "common/error.h"
#include "common/log.h"
#include "common/parallel.h"
#include "common/progress.h"

namespace getps {

namespace {

// One warning naming the motifs whose best word is more likely than p.
void WarnAboutUnreachablePValues(const std::vector<Motif>& motifs, const MotifSet& set, double p) {
  std::size_t count = 0;
  std::string example;
  for (std::size_t i = 0; i < motifs.size(); ++i) {
    const double best = BestWordPValue(set.pssms[2 * i], set.background);
    if (best <= p) continue;
    if (count++ == 0)
      example = motifs[i].name + ", width " + std::to_string(motifs[i].width()) +
                ": its best word has p = " + std::to_string(best);
  }
  if (count)
    LogWarning(std::to_string(count) + " of " + std::to_string(motifs.size()) +
               " motifs cannot reach --pvalue " + std::to_string(p) + " (e.g. " + example +
               "); they match wherever their best words occur");
}

}  // namespace

MotifSet PrepareMotifs(const std::vector<Motif>& motifs, const MotifFeatures& features,
                       const Background& bg, const MotifSetOptions& options) {
  MotifSet set;
  set.background = bg;
  set.feature_names = features.names;
  set.pssms.resize(2 * motifs.size());
  set.feature_of_pssm.resize(2 * motifs.size());
  for (std::size_t i = 0; i < motifs.size(); ++i) {
    const int f = features.FeatureOf(motifs[i].name);
    set.feature_of_pssm[2 * i] = f;
    set.feature_of_pssm[2 * i + 1] = f;
  }
  // The threshold dynamic programme dominates: one motif per task.
  ParallelFor(motifs.size(), ResolveThreads(options.threads), [&](std::size_t i, int) {
    Pssm fwd = LogOdds(motifs[i], bg, options.pseudocount);
    fwd.threshold = ThresholdFromPValue(fwd, bg, options.pvalue);
    Pssm rev = ReverseComplement(fwd);
    // The reverse complement's scores have the forward distribution only
    // under a strand-symmetric background (A = T, C = G).
    const bool symmetric = bg[0] == bg[3] && bg[1] == bg[2];
    if (!symmetric) rev.threshold = ThresholdFromPValue(rev, bg, options.pvalue);
    set.pssms[2 * i] = std::move(fwd);
    set.pssms[2 * i + 1] = std::move(rev);
  });
  WarnAboutUnreachablePValues(motifs, set, options.pvalue);
  return set;
}

void ScanRegions(const Genome& genome, const std::vector<Region>& regions,
                 const MotifScanner& scanner, int threads,
                 const std::function<void(std::size_t, std::span<const MotifMatch>)>& sink,
                 bool progress, const BatchScanner* device_scanner) {
  threads = ResolveThreads(threads);
  constexpr std::size_t kChunk = 64;  // regions per task
  const std::size_t wave = kChunk * static_cast<std::size_t>(threads) * 8;
  std::vector<std::vector<MotifMatch>> results(wave);
  std::vector<std::vector<std::uint8_t>> encoded(wave);
  std::vector<ScanScratch> scratch(static_cast<std::size_t>(threads));
  ProgressMeter meter("scan", static_cast<std::int64_t>(regions.size()), "regions", progress);
  for (std::size_t first = 0; first < regions.size(); first += wave) {
    const std::size_t count = std::min(wave, regions.size() - first);
    const std::size_t chunks = (count + kChunk - 1) / kChunk;
    ParallelFor(chunks, threads, [&](std::size_t c, int worker) {
      for (std::size_t k = c * kChunk; k < std::min(count, (c + 1) * kChunk); ++k) {
        const Region& r = regions[first + k];
        EncodeSequence(genome.Fetch(r.chrom, r.start, r.end), &encoded[k]);
        if (device_scanner) continue;
        results[k].clear();
        scanner.Scan(encoded[k], &results[k], &scratch[static_cast<std::size_t>(worker)]);
      }
    });
    if (device_scanner) {
      std::vector<std::span<const std::uint8_t>> views(encoded.begin(),
                                                       encoded.begin() + static_cast<long>(count));
      device_scanner->ScanBatch(views, &results);
    }
    for (std::size_t k = 0; k < count; ++k) sink(first + k, results[k]);
    meter.Advance(static_cast<std::int64_t>(count));
  }
  meter.Finish();
}

}  // namespace getps
