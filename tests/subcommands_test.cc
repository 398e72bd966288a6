// RunMain's contract (launch/subcommands.h): what each binary does with a
// known, unknown, missing or failing command. The exec into getps-model is
// tested on the real binaries (tests/binaries_test.py).
#include "launch/subcommands.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/error.h"

namespace getps::cli {
namespace {

std::vector<std::string> g_args;  // what the last runner was given

int Echo(const std::vector<std::string>& args) {
  g_args = args;
  return 7;
}
int Missing(const std::vector<std::string>&) { throw Error(ErrorCode::kNotFound, "no such file"); }
int Corrupt(const std::vector<std::string>&) { throw Error(ErrorCode::kCorruption, "bad block"); }
int Asks(const std::vector<std::string>&) { throw NeedsLibTorch{"--device cuda"}; }

CommandFn Runners(std::string_view name) {
  if (name == "count") return Echo;
  if (name == "store") return Missing;
  if (name == "scan") return Corrupt;
  if (name == "featurize") return Asks;
  return nullptr;
}

int Main(std::vector<std::string> words) {
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  return RunMain(static_cast<int>(words.size()), argv.data(), Runners, /*links_libtorch=*/true);
}

TEST(RunMain, GivesTheRunnerTheWordsAfterTheCommandAndReturnsItsStatus) {
  EXPECT_EQ(Main({"getps", "count", "--peaks", "p.bed"}), 7);
  EXPECT_EQ(g_args, (std::vector<std::string>{"--peaks", "p.bed"}));
}

TEST(RunMain, ErrorsBecomeTheirExitCodes) {
  EXPECT_EQ(Main({"getps", "store"}), ExitCodeFor(ErrorCode::kNotFound));
  EXPECT_EQ(Main({"getps", "scan"}), ExitCodeFor(ErrorCode::kCorruption));
  EXPECT_EQ(ExitCodeFor(ErrorCode::kCorruption), 3);
}

TEST(RunMain, UsageVersionAndUnknownCommands) {
  EXPECT_EQ(Main({"getps"}), 2);
  EXPECT_EQ(Main({"getps", "--help"}), 0);
  EXPECT_EQ(Main({"getps", "--version"}), 0);
  EXPECT_EQ(Main({"getps", "no-such-command"}), 2);
}

TEST(RunMain, TheBinaryWithLibTorchNeverRelaunches) {
  // A known command without a runner, or one asking for LibTorch, is a broken
  // invariant there (not an exec loop).
  EXPECT_EQ(Main({"getps", "train"}), 1);
  EXPECT_EQ(Main({"getps", "featurize"}), 1);
}

TEST(ModelBinaryPath, IsBesideTheRunningExecutable) {
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  EXPECT_EQ(ModelBinaryPath(), (self.parent_path() / "getps-model").string());
}

}  // namespace
}  // namespace getps::cli
