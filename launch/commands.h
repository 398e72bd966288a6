// The getps subcommands. Each takes the words after its name and returns the
// process exit status; errors leave as getps::Error for main() to report.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "featurizer/batch_scanner.h"
#include "launch/subcommands.h"

namespace getps::cli {

// The LibTorch pieces of the torch-free commands (scan and featurize on a
// --device, genotypes evaluate). getps-model passes them; getps passes an
// empty set, and the command throws NeedsLibTorch when it needs one.
struct LibTorchParts {
  BatchScannerMaker device_scanner = nullptr;
  CommandFn genotypes_evaluate = nullptr;
};

// The torch-free commands (getps_cli_core).
int RunStore(const std::vector<std::string>& args);
int RunScan(const std::vector<std::string>& args, const LibTorchParts& parts);
int RunCount(const std::vector<std::string>& args);
int RunPseudobulk(const std::vector<std::string>& args);
int RunFeaturize(const std::vector<std::string>& args, const LibTorchParts& parts);
int RunSimulate(const std::vector<std::string>& args);
int RunLaunch(const std::vector<std::string>& args);
int RunReport(const std::vector<std::string>& args);
int RunGenotypes(const std::vector<std::string>& args, const LibTorchParts& parts);

// getps's runner of a torch-free command (with no LibTorch parts); nullptr for
// the others.
CommandFn CoreRunnerOf(std::string_view name);

// Throws NeedsLibTorch for a --device scan when `parts` has no scanner.
void RequireDeviceScanner(const std::string& device, const LibTorchParts& parts);

// The commands that need LibTorch (getps_cli, linked into getps-model only).
int RunTrain(const std::vector<std::string>& args);
int RunWorker(const std::vector<std::string>& args);
int RunSweep(const std::vector<std::string>& args);
int RunPredict(const std::vector<std::string>& args);
int RunExplain(const std::vector<std::string>& args);
int RunVariantEffect(const std::vector<std::string>& args);

}  // namespace getps::cli
