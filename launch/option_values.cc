#include "launch/option_values.h"

#include "common/enum_names.h"
#include "common/error.h"

namespace getps::cli {

namespace {

constexpr EnumNames<CountMode, 2> kCountModes{
    {{{CountMode::kFragments, "fragments"}, {CountMode::kInsertions, "insertions"}}}};

}  // namespace

AtacMode ParseAtacMode(const std::string& text) { return kAtacModes.Parse("--atac", text); }

MotifDtype ParseMotifDtype(const std::string& text) { return kMotifDtypes.Parse("--dtype", text); }

CountMode ParseCountMode(const std::string& text) { return kCountModes.Parse("--count", text); }

void AddMotifOptionRanges(CommandSpec& spec) {
  spec.ranges["pvalue"] = {0, 1, true, ""};
  spec.ranges["pseudocount"] = NonNegative();
  spec.ranges["threads"] = ThreadCount();
}

const char* CountModeName(CountMode mode) { return kCountModes.Name(mode); }

OutputFile OpenOutput(const std::string& path) {
  if (path == "-") return OutputFile(stdout, [](std::FILE*) { return 0; });
  OutputFile file(std::fopen(path.c_str(), "w"), std::fclose);
  if (!file) throw Error(ErrorCode::kIOError, "cannot write " + path);
  return file;
}

}  // namespace getps::cli
