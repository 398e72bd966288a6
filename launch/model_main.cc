// getps-model: every getps command, with LibTorch (launch/subcommands.h).
// Users name getps; it runs this binary for what needs LibTorch.
#include <string_view>

#include "featurizer/torch_motif_scanner.h"
#include "launch/commands.h"
#include "launch/genotypes_commands.h"
#include "launch/subcommands.h"

namespace {

using getps::cli::CommandFn;
using getps::cli::LibTorchParts;

LibTorchParts Parts() {
  LibTorchParts parts;
  parts.device_scanner = getps::MakeTorchMotifScanner;
  parts.genotypes_evaluate = getps::cli::GenotypesEvaluate;
  return parts;
}

int Scan(const std::vector<std::string>& a) { return getps::cli::RunScan(a, Parts()); }
int Featurize(const std::vector<std::string>& a) { return getps::cli::RunFeaturize(a, Parts()); }
int Genotypes(const std::vector<std::string>& a) { return getps::cli::RunGenotypes(a, Parts()); }

CommandFn RunnerOf(std::string_view name) {
  using namespace getps::cli;
  if (name == "explain") return RunExplain;
  if (name == "featurize") return Featurize;
  if (name == "genotypes") return Genotypes;
  if (name == "predict") return RunPredict;
  if (name == "scan") return Scan;
  if (name == "sweep") return RunSweep;
  if (name == "train") return RunTrain;
  if (name == "variant-effect") return RunVariantEffect;
  if (name == "worker") return RunWorker;
  return CoreRunnerOf(name);  // the torch-free commands
}

}  // namespace

int main(int argc, char** argv) {
  return getps::cli::RunMain(argc, argv, RunnerOf, /*links_libtorch=*/true);
}
