// getps: one binary, one subcommand per job. This file only dispatches and
// turns errors into an exit status and one line on stderr.
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "common/error.h"
#include "launch/commands.h"

namespace {

struct Subcommand {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>&);
};

constexpr Subcommand kSubcommands[] = {
    {"count", "count fragments or Tn5 insertions per peak and cell type", getps::cli::RunCount},
    {"explain", "which motifs and regions drive each gene's prediction (interpretation)",
     getps::cli::RunExplain},
    {"featurize", "build a feature store from peaks, genome, motifs, fragments, genes",
     getps::cli::RunFeaturize},
    {"genotypes", "personal motif features of a cohort from a VCF (personal genomes)",
     getps::cli::RunGenotypes},
    {"launch",
     "run a job (mpirun ... getps train) and restart it from its checkpoint when it fails",
     getps::cli::RunLaunch},
    {"predict", "gene-level expression predictions of a trained model", getps::cli::RunPredict},
    {"pseudobulk", "RNA counts (10x .h5, AnnData .h5ad) per cell type: an expression table",
     getps::cli::RunPseudobulk},
    {"report", "an HTML report (SVG plots) of a training run or a sweep", getps::cli::RunReport},
    {"scan", "find motif matches in regions of a genome (like MOODS or FIMO)", getps::cli::RunScan},
    {"simulate", "write a synthetic world with a known regulatory grammar (demo data)",
     getps::cli::RunSimulate},
    {"train", "pretrain or fine-tune GET on a feature store (CPU or one GPU)",
     getps::cli::RunTrain},
    {"store", "build, inspect, query, export and verify a feature store", getps::cli::RunStore},
    {"sweep", "leave-one-chromosome/cell-type-out fine-tuning sweeps with a summary table",
     getps::cli::RunSweep},
    {"variant-effect", "what each variant allele does to the predicted expression of nearby genes",
     getps::cli::RunVariantEffect},
    {"worker", "join a --sync ps training run from outside mpirun", getps::cli::RunWorker},
};

void PrintUsage() {
  std::cout
      << "usage: getps <command> [options]   (getps <command> --help for details)\n\n"
         "getps trains GET-style regulatory foundation models from a RocksDB feature store.\n\n"
         "commands:\n";
  for (const auto& c : kSubcommands) std::printf("  %-14s %s\n", c.name, c.summary);
  std::cout << "\noptions:\n  -h, --help     this help\n  --version      print the version\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    PrintUsage();
    return argc < 2 ? 2 : 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::cout << "getps " << GETPS_VERSION << "\n";
    return 0;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const auto& c : kSubcommands) {
    if (c.name != std::string(argv[1])) continue;
    try {
      return c.run(args);
    } catch (const getps::Error& e) {
      std::cerr << "getps: error: " << e.what() << "\n";
      return getps::ExitCodeFor(e.code());
    } catch (const std::exception& e) {  // first line only: c10 appends a backtrace
      const std::string what = e.what();
      std::cerr << "getps: internal error: " << what.substr(0, what.find('\n')) << "\n";
      return 1;
    }
  }
  std::cerr << "getps: unknown command '" << argv[1] << "' (see getps --help)\n";
  return 2;
}
