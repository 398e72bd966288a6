// JsonLinesLog (common/json_lines.h): records a full disk refuses wait in
// memory, in order, and reach the file whole once it has room; no record is
// cut or lost on the way.
#include "common/json_lines.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/file_size_limit.h"
#include "tests/test_store.h"

namespace getps {
namespace {

namespace fs = std::filesystem;

std::vector<nlohmann::json> Lines(const fs::path& p) {
  std::vector<nlohmann::json> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(JsonLinesLog, KeepsWhatAFullDiskRefusesAndWritesItInOrderLater) {
  testing_util::TempDir dir("json-lines");
  const fs::path p = dir.path() / "metrics.jsonl";
  JsonLinesLog log(p);
  log.Append({{"step", 1}});
  EXPECT_EQ(log.pending(), 0u);
  {
    testing_util::FileSizeLimit full(fs::file_size(p) + 4);
    log.Append({{"step", 2}});
    log.Append({{"step", 3}});
    EXPECT_EQ(log.pending(), 2u);
    EXPECT_FALSE(log.Flush());
  }
  EXPECT_EQ(Lines(p), (std::vector<nlohmann::json>{{{"step", 1}}}));
  log.Append({{"step", 4}});
  EXPECT_EQ(log.pending(), 0u);
  EXPECT_EQ(Lines(p), (std::vector<nlohmann::json>{
                          {{"step", 1}}, {{"step", 2}}, {{"step", 3}}, {{"step", 4}}}));
}

TEST(JsonLinesLog, TheDestructorWritesWhatIsPending) {
  testing_util::TempDir dir("json-lines-end");
  const fs::path p = dir.path() / "metrics.jsonl";
  {
    JsonLinesLog log(p);
    {
      testing_util::FileSizeLimit full(0);
      log.Append({{"epoch", 0}});
    }
    EXPECT_EQ(log.pending(), 1u);
  }
  EXPECT_EQ(Lines(p), (std::vector<nlohmann::json>{{{"epoch", 0}}}));
}

}  // namespace
}  // namespace getps
