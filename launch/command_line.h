// Subcommand option parsing for the getps binary (Boost.Program_options).
// Every command gets --help and --config FILE for free: a config file holds
// `option = value` lines (INI syntax, the long option names without "--");
// values on the command line win over the file; relative paths in the file
// are relative to the file.
#pragma once

#include <boost/program_options.hpp>

#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace getps::cli {

namespace po = boost::program_options;

// The values a numeric option takes: finite, lo <= v <= hi (lo < v when
// `lo_open`); `note` says more in the error (e.g. what 0 means).
struct ValueRange {
  double lo, hi;
  bool lo_open = false;
  std::string note;
};
ValueRange Finite();       // any finite number
ValueRange Positive();     // > 0
ValueRange NonNegative();  // >= 0
ValueRange Between(double lo, double hi);
// --window-size and --stride of the window commands: 1..100000 regions.
std::map<std::string, ValueRange> WindowRanges();
// --threads: 0 (every core) up to 4 x the machine's cores.
ValueRange ThreadCount();

struct CommandSpec {
  CommandSpec(std::string name_, std::string synopsis_, std::string summary_)
      : name(std::move(name_)), synopsis(std::move(synopsis_)), summary(std::move(summary_)) {}
  std::string name;      // "store window"
  std::string synopsis;  // "--store S --celltype X --chrom C --index I"
  std::string summary;   // one paragraph of what it does
  po::options_description options{"Options", 100};
  po::positional_options_description positional;
  // Options holding paths (comma-separated lists allowed): a relative path
  // read from a --config file is taken relative to that file's folder.
  std::vector<std::string> path_options;
  // Numeric options with their ranges, checked by Parse; a value outside
  // is an Error(kInvalidArgument) naming the option, the value and the range.
  std::map<std::string, ValueRange> ranges;
  // A --config file may be another command's (e.g. the featurize config a
  // store was made with): keys this command does not know are ignored, and
  // so are these, which only the command line gives.
  bool config_of_another_command = false;
  std::vector<std::string> command_line_only;
};

// Parses `args` (the words after the command name). Returns nullopt after
// printing help when --help was given; throws Error(kInvalidArgument) with
// the command's name on unknown or malformed options and on values outside
// spec.ranges.
std::optional<po::variables_map> Parse(const std::vector<std::string>& args, CommandSpec& spec);

void PrintHelp(const CommandSpec& spec);

// An option's value with its default `value` (from the options struct, so
// each default is written once), shown in --help as the shortest text that
// reads back as it (0.05, not 0.050000000000000003).
std::string DefaultText(double value);
template <typename T>
po::typed_value<T>* Defaulted(const T& value) {
  if constexpr (std::is_floating_point_v<T>)
    return po::value<T>()->default_value(value, DefaultText(value));
  else
    return po::value<T>()->default_value(value);
}

// Splits "a,b,c" into its non-empty parts.
std::vector<std::string> SplitList(const std::string& text);

}  // namespace getps::cli
