// The `getps store ...` subcommands (internal to launch/).
#pragma once

#include <string>
#include <vector>

namespace getps::cli {

int StoreInfo(const std::vector<std::string>& args);
int StoreCellTypes(const std::vector<std::string>& args);
int StoreRegion(const std::vector<std::string>& args);
int StoreWindow(const std::vector<std::string>& args);
int StoreGene(const std::vector<std::string>& args);

}  // namespace getps::cli
