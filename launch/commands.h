// The getps subcommands. Each takes the words after its name and returns the
// process exit status; errors leave as getps::Error for main() to report.
#pragma once

#include <string>
#include <vector>

namespace getps::cli {

int RunStore(const std::vector<std::string>& args);
int RunScan(const std::vector<std::string>& args);
int RunCount(const std::vector<std::string>& args);
int RunPseudobulk(const std::vector<std::string>& args);
int RunFeaturize(const std::vector<std::string>& args);
int RunSimulate(const std::vector<std::string>& args);
int RunTrain(const std::vector<std::string>& args);
int RunWorker(const std::vector<std::string>& args);
int RunSweep(const std::vector<std::string>& args);
int RunPredict(const std::vector<std::string>& args);
int RunLaunch(const std::vector<std::string>& args);
int RunReport(const std::vector<std::string>& args);
int RunExplain(const std::vector<std::string>& args);
int RunGenotypes(const std::vector<std::string>& args);
int RunVariantEffect(const std::vector<std::string>& args);

}  // namespace getps::cli
