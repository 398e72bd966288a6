// JsonLinesLog: an append-only JSON-lines file (RUN/metrics.jsonl) that
// loses no record to a full disk. Each Append writes every record not yet
// written, in order and whole (AppendWhole); what cannot be written stays in
// memory for the next Append or Flush. The outage is logged once when it
// starts and once when the file has caught up. Memory grows by one line per
// record while the disk stays full. Not thread-safe: one owner appends.
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace getps {

class JsonLinesLog {
 public:
  explicit JsonLinesLog(std::filesystem::path path);
  // Flushes; logs an error naming what could still not be written.
  ~JsonLinesLog();
  JsonLinesLog(const JsonLinesLog&) = delete;
  JsonLinesLog& operator=(const JsonLinesLog&) = delete;

  void Append(const nlohmann::json& record);
  // Writes what is pending; true when nothing is left pending.
  bool Flush();
  // Records in memory, not yet written.
  std::size_t pending() const { return pending_lines_; }

 private:
  std::filesystem::path path_;
  std::string pending_;  // whole lines, each ending in '\n'
  std::size_t pending_lines_ = 0;
  bool failing_ = false;  // the last write failed (logged once)
};

}  // namespace getps
