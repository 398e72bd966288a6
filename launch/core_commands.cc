#include <string_view>

#include "launch/commands.h"

namespace getps::cli {
namespace {

int Scan(const std::vector<std::string>& a) { return RunScan(a, {}); }
int Featurize(const std::vector<std::string>& a) { return RunFeaturize(a, {}); }
int Genotypes(const std::vector<std::string>& a) { return RunGenotypes(a, {}); }

}  // namespace

CommandFn CoreRunnerOf(std::string_view name) {
  if (name == "count") return RunCount;
  if (name == "featurize") return Featurize;
  if (name == "genotypes") return Genotypes;
  if (name == "launch") return RunLaunch;
  if (name == "pseudobulk") return RunPseudobulk;
  if (name == "report") return RunReport;
  if (name == "scan") return Scan;
  if (name == "simulate") return RunSimulate;
  if (name == "store") return RunStore;
  return nullptr;  // getps-model's
}

}  // namespace getps::cli
