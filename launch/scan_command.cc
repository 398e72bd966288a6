// `getps scan`: the motif scanner on its own — what users would otherwise run
// MOODS or FIMO for. One line per match, or per-region feature sums.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "common/error.h"
#include "common/log.h"
#include "common/parallel.h"
#include "featurizer/cluster_scores.h"
#include "featurizer/motif_options.h"
#include "featurizer/peaks.h"
#include "featurizer/region_scan.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/option_values.h"

namespace getps::cli {

void RequireDeviceScanner(const std::string& device, const LibTorchParts& parts) {
  if (IsDeviceScan(device) && parts.device_scanner == nullptr)
    throw NeedsLibTorch{"--device " + device};
}

int RunScan(const std::vector<std::string>& args, const LibTorchParts& parts) {
  CommandSpec spec(
      "scan", "--genome FA --regions BED --motifs FILE[,FILE...] [options] --out TSV",
      "Scans regions of a genome for motif matches: log-odds PSSMs (natural log, pseudocount\n"
      "0.01), thresholds from a p-value by the exact score-distribution DP, both strands.\n"
      "Output: one line per match (motif, chrom, 0-based start, end, strand, score,\n"
      "threshold), or with --per-region one line per region with each feature's sum of\n"
      "non-overlapping best matches (the GET feature values).");
  spec.options.add_options()("genome", po::value<std::string>()->required(),
                             "reference FASTA (plain or bgzip)")(
      "regions", po::value<std::string>()->required(), "BED/narrowPeak of regions to scan (gz ok)")(
      "out", po::value<std::string>()->default_value("-"), "output TSV ('-': standard output)")(
      "per-region", po::bool_switch(), "write per-region feature sums instead of matches");
  AddMotifOptions(spec.options);
  AddMotifOptionRanges(spec);
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  const std::string device = (*vm)["device"].as<std::string>();
  RequireDeviceScanner(device, parts);
  auto genome = Genome::Open((*vm)["genome"].as<std::string>());
  std::vector<Region> regions =
      ReadPeaks((*vm)["regions"].as<std::string>(), OverlapPolicy::kMerge);
  const std::string regions_path = (*vm)["regions"].as<std::string>();
  for (const auto& r : regions) {
    const std::string where = "region " + r.chrom + ":" + std::to_string(r.start + 1) + "-" +
                              std::to_string(r.end) + " of " + regions_path;
    if (!genome->Has(r.chrom))
      throw Error(ErrorCode::kNotFound,
                  where + " is on a chromosome the genome " + genome->path() + " does not have");
    if (r.end > genome->Length(r.chrom))
      throw Error(ErrorCode::kOutOfRange, where + " ends past " + r.chrom + "'s end (" +
                                              std::to_string(genome->Length(r.chrom)) + " bp in " +
                                              genome->path() + ")");
  }
  const MotifSet set = LoadMotifSet(*vm, *genome);
  MotifScanner scanner(set.pssms);
  std::unique_ptr<BatchScanner> device_scanner;
  if (IsDeviceScan(device))
    device_scanner = parts.device_scanner(set.pssms, device, ReadTorchScanOptions(*vm));
  const std::string out_path = (*vm)["out"].as<std::string>();
  OutputFile file = OpenOutput(out_path);
  const bool per_region = (*vm)["per-region"].as<bool>();
  if (per_region) {
    std::fputs("chrom\tstart\tend", file.get());
    for (const auto& n : set.feature_names) std::fprintf(file.get(), "\t%s", n.c_str());
    std::fputc('\n', file.get());
  } else {
    std::fputs("motif\tchrom\tstart\tend\tstrand\tscore\tthreshold\n", file.get());
  }
  std::vector<float> sums(set.feature_names.size());
  std::vector<MotifMatch> scratch;
  std::size_t matches = 0;
  ScanRegions(
      *genome, regions, scanner, (*vm)["threads"].as<int>(),
      [&](std::size_t i, std::span<const MotifMatch> found) {
        const Region& r = regions[i];
        matches += found.size();
        if (per_region) {
          ClusterScores(found, set.pssms, set.feature_of_pssm, sums, &scratch);
          std::fprintf(file.get(), "%s\t%u\t%u", r.chrom.c_str(), r.start, r.end);
          for (float v : sums) std::fprintf(file.get(), "\t%.6g", v);
          std::fputc('\n', file.get());
          return;
        }
        for (const MotifMatch& m : found) {
          const Pssm& p = set.pssms[m.pssm];
          const std::uint32_t start = r.start + m.pos;
          std::fprintf(file.get(), "%s\t%s\t%u\t%zu\t%c\t%.6f\t%.6f\n", p.name.c_str(),
                       r.chrom.c_str(), start, start + p.width(), p.strand, m.score, p.threshold);
        }
      },
      !(*vm)["quiet"].as<bool>(), device_scanner.get());
  if (std::ferror(file.get())) throw Error(ErrorCode::kIOError, "error writing " + out_path);
  const std::string engine = device_scanner
                                 ? "LibTorch conv1d on " + device
                                 : std::string("kernel ") + ScanKernelName(scanner.kernel());
  LogInfo("scan: " + std::to_string(regions.size()) + " regions, " +
          std::to_string(set.pssms.size() / 2) + " motifs (" + std::to_string(set.pssms.size()) +
          " PSSMs), " + std::to_string(matches) + " matches, " + engine);
  return 0;
}

}  // namespace getps::cli
