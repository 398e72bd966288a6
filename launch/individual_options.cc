#include "launch/individual_options.h"

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "launch/option_values.h"

namespace getps::cli {
namespace {

// A file of sample IDs (one per line, '#' comments) when one exists at that
// path, else a comma-separated list.
std::vector<std::string> LeftOut(const std::string& text) {
  if (text.empty() || !std::filesystem::is_regular_file(text)) return SplitList(text);
  std::ifstream in(text);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') out.push_back(line.substr(0, line.find_first_of(" \t\r")));
  if (out.empty()) throw Error(ErrorCode::kInvalidArgument, text + ": no sample IDs");
  return out;
}

}  // namespace

void AddIndividualSplitOptions(CommandSpec& spec) {
  const IndividualSplitOptions d;
  spec.options.add_options()("leave-out-individuals", po::value<std::string>()->default_value(""),
                             "held-out sample IDs: comma-separated, or a file of one per line")(
      "individual-folds", po::value<int>()->default_value(d.folds),
      "K folds of people by ID hash (XXH3 mod K)")("fold", po::value<int>()->default_value(d.fold),
                                                   "the held-out fold k (0 <= k < K)");
  spec.ranges["individual-folds"] = Between(0, 1 << 16);
  spec.ranges["fold"] = Between(0, 1 << 16);
}

IndividualSplitOptions ReadIndividualSplit(const po::variables_map& vm) {
  return {LeftOut(vm["leave-out-individuals"].as<std::string>()), vm["individual-folds"].as<int>(),
          vm["fold"].as<int>()};
}

}  // namespace getps::cli
