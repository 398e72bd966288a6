#include "launch/subcommands.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>

#include "common/error.h"

namespace getps::cli {
namespace {

struct Subcommand {
  const char* name;
  const char* summary;
};

constexpr Subcommand kSubcommands[] = {
    {"count", "count fragments or Tn5 insertions per peak and cell type"},
    {"explain", "which motifs and regions drive each gene's prediction (interpretation)"},
    {"featurize", "build a feature store from peaks, genome, motifs, fragments, genes"},
    {"genotypes", "personal motif features of a cohort from a VCF (personal genomes)"},
    {"launch", "run a job (mpirun ... getps train) and restart it from its checkpoint when it fails"},
    {"predict", "gene-level expression predictions of a trained model"},
    {"pseudobulk", "RNA counts (10x .h5, AnnData .h5ad) per cell type: an expression table"},
    {"report", "an HTML report (SVG plots) of a training run or a sweep"},
    {"scan", "find motif matches in regions of a genome (like MOODS or FIMO)"},
    {"simulate", "write a synthetic world with a known regulatory grammar (demo data)"},
    {"train", "pretrain or fine-tune GET on a feature store (CPU or one GPU)"},
    {"store", "build, inspect, query, export and verify a feature store"},
    {"sweep", "leave-one-chromosome/cell-type-out fine-tuning sweeps with a summary table"},
    {"variant-effect", "what each variant allele does to the predicted expression of nearby genes"},
    {"worker", "join a --sync ps training run from outside mpirun"},
};

void PrintUsage() {
  std::cout
      << "usage: getps <command> [options]   (getps <command> --help for details)\n\n"
         "getps trains GET-style regulatory foundation models from a RocksDB feature store.\n\n"
         "commands:\n";
  for (const auto& c : kSubcommands) std::printf("  %-14s %s\n", c.name, c.summary);
  std::cout << "\noptions:\n  -h, --help     this help\n  --version      print the version\n";
}

bool Known(std::string_view name) {
  for (const auto& c : kSubcommands)
    if (name == c.name) return true;
  return false;
}

// Replaces this process by getps-model with the same argv; returns only on
// failure, with the exit status to end with.
int RunInModelBinary(char** argv, const std::string& what) {
  const std::string model = ModelBinaryPath();
  std::fflush(nullptr);
  execv(model.c_str(), argv);
  const int err = errno;
  std::cerr << "getps: error: " << what << " needs LibTorch, which getps runs in " << model
            << ", and that could not be started (" << std::strerror(err)
            << "); install getps-model beside getps\n";
  return ExitCodeFor(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIOError);
}

}  // namespace

std::string ModelBinaryPath() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "getps-model";  // no /proc: execv then fails with a message naming it
  return (self.parent_path() / "getps-model").string();
}

int RunMain(int argc, char** argv, RunnerOf runner_of, bool links_libtorch) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    PrintUsage();
    return argc < 2 ? 2 : 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::cout << "getps " << GETPS_VERSION << "\n";
    return 0;
  }
  const std::string name = argv[1];
  if (!Known(name)) {
    std::cerr << "getps: unknown command '" << name << "' (see getps --help)\n";
    return 2;
  }
  const CommandFn run = runner_of(name);
  if (run == nullptr) {
    if (links_libtorch) {
      std::cerr << "getps: internal error: no runner for '" << name << "'\n";
      return 1;
    }
    return RunInModelBinary(argv, "'getps " + name + "'");
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    return run(args);
  } catch (const NeedsLibTorch& e) {
    if (links_libtorch) {
      std::cerr << "getps: internal error: " << e.what << " asked for LibTorch in getps-model\n";
      return 1;
    }
    return RunInModelBinary(argv, e.what);
  } catch (const Error& e) {
    std::cerr << "getps: error: " << e.what() << "\n";
    return ExitCodeFor(e.code());
  } catch (const std::exception& e) {  // first line only: c10 appends a backtrace
    const std::string what = e.what();
    std::cerr << "getps: internal error: " << what.substr(0, what.find('\n')) << "\n";
    return 1;
  }
}

}  // namespace getps::cli
