// The `getps genotypes ...` subcommands defined outside genotypes_command.cc
// (internal to launch/).
#pragma once

#include <string>
#include <vector>

namespace getps::cli {

int GenotypesEvaluate(const std::vector<std::string>& args);

}  // namespace getps::cli
