#include "launch/command_line.h"

#include <charconv>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <thread>

#include "common/error.h"
#include "common/log.h"

namespace getps::cli {

void PrintHelp(const CommandSpec& spec) {
  std::cout << "usage: getps " << spec.name << " " << spec.synopsis << "\n\n"
            << spec.summary << "\n\n"
            << spec.options << "\n";
}

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// The option's value as a number, whichever numeric type it was declared with.
std::optional<double> NumberOf(const po::variable_value& v) {
  const boost::any& a = v.value();
  if (const auto* d = boost::any_cast<double>(&a)) return *d;
  if (const auto* f = boost::any_cast<float>(&a)) return *f;
  if (const auto* i = boost::any_cast<int>(&a)) return *i;
  if (const auto* l = boost::any_cast<std::int64_t>(&a)) return static_cast<double>(*l);
  if (const auto* u = boost::any_cast<std::uint32_t>(&a)) return *u;
  if (const auto* u = boost::any_cast<std::uint64_t>(&a)) return static_cast<double>(*u);
  return std::nullopt;
}

std::string RangeText(const ValueRange& r) {
  auto text = [](double x) { return DefaultText(x); };
  std::string s;
  if (r.lo == -kInfinity && r.hi == kInfinity)
    s = "";
  else if (r.hi == kInfinity)
    s = std::string(r.lo_open ? "> " : ">= ") + text(r.lo);
  else
    s = text(r.lo) + (r.lo_open ? " < value <= " : "..") + text(r.hi);
  return "a finite number" + (s.empty() ? "" : " " + s) +
         (r.note.empty() ? "" : " (" + r.note + ")");
}

void CheckRange(const std::string& command, const std::string& name, const ValueRange& r,
                const po::variables_map& vm) {
  const auto it = vm.find(name);
  if (it == vm.end() || it->second.empty()) return;
  const std::optional<double> v = NumberOf(it->second);
  if (!v) throw Error(ErrorCode::kInternal, "--" + name + " has a range but is not a number");
  const bool ok = std::isfinite(*v) && (r.lo_open ? *v > r.lo : *v >= r.lo) && *v <= r.hi;
  if (!ok)
    throw Error(ErrorCode::kInvalidArgument, "getps " + command + ": --" + name + " " +
                                                 DefaultText(*v) + ": expected " + RangeText(r));
}

}  // namespace

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
      if (std::filesystem::is_directory(path))
        throw Error(ErrorCode::kInvalidArgument,
                    "getps " + spec.name + ": --config " + path +
                        " is a directory; expected a file of `option = value` lines (e.g. " +
                        (std::filesystem::path(path) / "featurize.cfg").string() + ")");
      std::ifstream in(path);
      if (!in)
        throw Error(ErrorCode::kNotFound,
                    "getps " + spec.name + ": cannot read config file " + path);
      po::parsed_options parsed =
          po::parse_config_file(in, spec.options, spec.config_of_another_command);
      std::erase_if(parsed.options, [&](const po::option& option) {
        return option.unregistered ||
               std::find(spec.command_line_only.begin(), spec.command_line_only.end(),
                         option.string_key) != spec.command_line_only.end();
      });
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
  for (const auto& [name, range] : spec.ranges) CheckRange(spec.name, name, range, vm);
  if (vm.count("quiet") && vm["quiet"].as<bool>()) SetLogThreshold(LogLevel::kWarning);
  return vm;
}

ValueRange Finite() { return {-kInfinity, kInfinity, false, ""}; }
ValueRange Positive() { return {0, kInfinity, true, ""}; }
ValueRange NonNegative() { return {0, kInfinity, false, ""}; }
ValueRange Between(double lo, double hi) { return {lo, hi, false, ""}; }

std::map<std::string, ValueRange> WindowRanges() {
  return {{"window-size", Between(1, 100000)}, {"stride", Between(1, 100000)}};
}

ValueRange ThreadCount() {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return {0, 4.0 * cores, false,
          "0 uses every core; at most 4 x the " + std::to_string(cores) + " cores"};
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
