// Motif-scan benchmark: every kernel of MotifScanner on one core over a whole
// FASTA sequence with a motif set, in bp x PSSM per second. MOODS, the
// reference, is timed by bench/scan_bench.sh in the same run.
//
//   scan_bench GENOME.fa MOTIFS[,MOTIFS...] [PVALUE]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <sstream>

#include "featurizer/genome.h"
#include "featurizer/motif_scanner.h"
#include "featurizer/region_scan.h"

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  if (argc < 3) {
    std::fprintf(stderr, "usage: scan_bench GENOME.fa MOTIFS[,MOTIFS...] [PVALUE]\n");
    return 2;
  }
  auto genome = getps::Genome::Open(argv[1]);
  std::vector<getps::Motif> motifs;
  std::istringstream files(argv[2]);
  std::string f;
  while (std::getline(files, f, ',')) {
    if (f.empty()) continue;
    auto more = getps::ReadMotifs(f);
    motifs.insert(motifs.end(), more.begin(), more.end());
  }
  getps::MotifSetOptions o;
  o.pvalue = argc > 3 ? std::stod(argv[3]) : 1e-4;
  o.threads = 1;
  const getps::Background bg = {0.25, 0.25, 0.25, 0.25};
  auto t0 = Clock::now();
  getps::MotifSet set = getps::PrepareMotifs(motifs, getps::OneFeaturePerMotif(motifs), bg, o);
  const double t_thr = std::chrono::duration<double>(Clock::now() - t0).count();
  const std::string chrom = genome->Names().at(0);
  std::vector<std::uint8_t> seq;
  getps::EncodeSequence(genome->Fetch(chrom, 0, genome->Length(chrom)), &seq);
  std::printf("input: %s (%zu bp), %zu motifs = %zu PSSMs (both strands), p = %g\n", chrom.c_str(),
              seq.size(), motifs.size(), set.pssms.size(), o.pvalue);
  std::printf("thresholds (exact DP, 1 thread): %.2f s\n", t_thr);
  for (auto kernel :
       {getps::ScanKernel::kScalar, getps::ScanKernel::kAvx2, getps::ScanKernel::kAvx512}) {
    try {
      getps::MotifScanner scanner(set.pssms, kernel);
      getps::ScanScratch scratch;
      std::vector<getps::MotifMatch> matches;
      t0 = Clock::now();
      scanner.Scan(seq, &matches, &scratch);
      const double t = std::chrono::duration<double>(Clock::now() - t0).count();
      std::printf(
          "scan %-9s: %.3f s, %zu matches, %.3g bp x motif/s on 1 core (bp x PSSM/s %.3g)\n",
          getps::ScanKernelName(kernel), t, matches.size(),
          static_cast<double>(seq.size()) * static_cast<double>(motifs.size()) / t,
          static_cast<double>(seq.size()) * static_cast<double>(set.pssms.size()) / t);
    } catch (const std::exception& e) {
      std::printf("scan %-9s: not supported here (%s)\n", getps::ScanKernelName(kernel), e.what());
    }
  }
  return 0;
}
