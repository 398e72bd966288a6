#include "common/json_lines.h"

#include <utility>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/log.h"

namespace getps {

JsonLinesLog::JsonLinesLog(std::filesystem::path path) : path_(std::move(path)) {}

JsonLinesLog::~JsonLinesLog() {
  if (!Flush())
    LogError(path_.string() + ": " + std::to_string(pending_lines_) +
             " record(s) could not be written and are lost");
}

void JsonLinesLog::Append(const nlohmann::json& record) {
  pending_ += record.dump();
  pending_ += '\n';
  ++pending_lines_;
  Flush();
}

bool JsonLinesLog::Flush() {
  if (pending_.empty()) return true;
  try {
    AppendWhole(path_, pending_);
  } catch (const Error& e) {
    if (!failing_)
      LogError(std::string(e.what()) + " (records are kept in memory until it can be written)");
    failing_ = true;
    return false;
  }
  if (failing_)
    LogInfo(path_.string() + ": written again, " + std::to_string(pending_lines_) +
            " record(s) kept in memory included");
  failing_ = false;
  pending_.clear();
  pending_lines_ = 0;
  return true;
}

}  // namespace getps
