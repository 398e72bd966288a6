#include "launch/command_line.h"

#include <charconv>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "common/error.h"

namespace getps::cli {

void PrintHelp(const CommandSpec& spec) {
  std::cout << "usage: getps " << spec.name << " " << spec.synopsis << "\n\n"
            << spec.summary << "\n\n"
            << spec.options << "\n";
}

std::optional<po::variables_map> Parse(const std::vector<std::string>& args, CommandSpec& spec) {
  spec.options.add_options()("help,h", "print this help and exit")(
      "config", po::value<std::string>(),
      "read options from FILE (`name = value` lines); command-line values win");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(spec.options).positional(spec.positional).run(),
              vm);
    if (vm.count("help")) {
      PrintHelp(spec);
      return std::nullopt;
    }
    if (vm.count("config")) {
      const std::string path = vm["config"].as<std::string>();
      std::ifstream in(path);
      if (!in)
        throw Error(ErrorCode::kNotFound,
                    "getps " + spec.name + ": cannot read config file " + path);
      po::parsed_options parsed = po::parse_config_file(in, spec.options);
      const std::filesystem::path base = std::filesystem::path(path).parent_path();
      for (auto& option : parsed.options) {
        if (std::find(spec.path_options.begin(), spec.path_options.end(), option.string_key) ==
            spec.path_options.end()) {
          continue;
        }
        for (auto& value : option.value) {
          std::string resolved;
          for (const auto& part : SplitList(value)) {
            std::filesystem::path p(part);
            resolved += (resolved.empty() ? "" : ",") + (p.is_absolute() ? p : base / p).string();
          }
          value = resolved;
        }
      }
      po::store(parsed, vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw Error(ErrorCode::kInvalidArgument,
                "getps " + spec.name + ": " + e.what() + " (see getps " + spec.name + " --help)");
  }
  return vm;
}

std::string DefaultText(double value) {
  char text[64];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  return std::string(text, end);
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace getps::cli
