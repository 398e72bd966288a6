#include "launch/option_values.h"

#include "common/error.h"

namespace getps::cli {

AtacMode ParseAtacMode(const std::string& text) {
  if (text == "quantitative") return AtacMode::kQuantitative;
  if (text == "binary") return AtacMode::kBinary;
  throw Error(ErrorCode::kInvalidArgument,
              "--atac must be quantitative or binary, not '" + text + "'");
}

MotifDtype ParseMotifDtype(const std::string& text) {
  if (text == "float16") return MotifDtype::kFloat16;
  if (text == "float32") return MotifDtype::kFloat32;
  throw Error(ErrorCode::kInvalidArgument,
              "--dtype must be float16 or float32, not '" + text + "'");
}

CountMode ParseCountMode(const std::string& text) {
  if (text == "fragments") return CountMode::kFragments;
  if (text == "insertions") return CountMode::kInsertions;
  throw Error(ErrorCode::kInvalidArgument,
              "--count must be fragments or insertions, not '" + text + "'");
}

OutputFile OpenOutput(const std::string& path) {
  if (path == "-") return OutputFile(stdout, [](std::FILE*) { return 0; });
  OutputFile file(std::fopen(path.c_str(), "w"), std::fclose);
  if (!file) throw Error(ErrorCode::kIOError, "cannot write " + path);
  return file;
}

}  // namespace getps::cli
