#include "worker/model/checkpoint.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "common/file_digest.h"
#include "tests/test_store.h"
#include "worker/model/state_dict.h"

namespace getps {
namespace {

namespace fs = std::filesystem;

TEST(Checkpoints, KeepLastAndBestAndSkipDamaged) {
  testing_util::TempDir dir("ckpt");
  torch::nn::Linear model(3, 2);
  torch::optim::AdamW adamw(model->parameters());
  CheckpointManager m(dir.path().string(), 2);
  for (int step = 1; step <= 5; ++step) {
    m.Save(step, *model, adamw, {{"step", step}}, /*is_best=*/step == 2);
  }
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path() / "checkpoints"))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names,
            (std::vector<std::string>{"best", "step-00000002", "step-00000004", "step-00000005"}));
  EXPECT_EQ(fs::path(*m.Best()).filename(), "step-00000002");
  EXPECT_EQ(fs::path(*m.NewestValid()).filename(), "step-00000005");
  // Damage the newest: its meta.json no longer parses.
  std::ofstream(dir.path() / "checkpoints" / "step-00000005" / "meta.json") << "{ truncated";
  EXPECT_EQ(fs::path(*m.NewestValid()).filename(), "step-00000004");
  // The weights are a state dict with the module's names.
  torch::nn::Linear other(3, 2);
  LoadStateDict(*other, (dir.path() / "checkpoints" / "step-00000004" / "model.pt").string());
  EXPECT_TRUE(torch::equal(other->weight, model->weight));
}

TEST(Checkpoints, AFileThatCannotBeReadStopsTheSearchInsteadOfPassingForDamage) {
  testing_util::TempDir dir("ckpt-unreadable");
  torch::nn::Linear model(4, 4);
  torch::optim::AdamW adamw(model->parameters());
  CheckpointManager m(dir.path().string(), 3);
  for (int step = 1; step <= 2; ++step) m.Save(step, *model, adamw, {{"step", step}}, false);
  // A read error (EISDIR here: as root, file modes do not keep us out).
  const fs::path model2 = dir.path() / "checkpoints" / "step-00000002" / "model.pt";
  fs::remove(model2);
  fs::create_directory(model2);
  try {
    m.NewestValid();
    ADD_FAILURE() << "an unreadable checkpoint was skipped";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIOError);
    EXPECT_NE(std::string(e.what()).find("step-00000002/model.pt"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::exists(dir.path() / "checkpoints" / "step-00000001"));
}

// A checkpoint that stands while RUN/epochs.jsonl cannot be appended to (a
// full disk; a directory in its place here) keeps its commit line for the
// next Save, which appends both in order; a roll-back appends them too.
TEST(Checkpoints, CommitLinesTheAuditRefusedAreAppendedByTheNextCommit) {
  testing_util::TempDir dir("ckpt-audit");
  torch::nn::Linear model(3, 2);
  torch::optim::AdamW adamw(model->parameters());
  CheckpointManager m(dir.path().string(), 5);
  const auto meta = [](int step) {
    const nlohmann::json line{{"step", step}, {"epoch", 0}};
    return nlohmann::json{{"step", step}, {"commit", nlohmann::json::array({line})}};
  };
  const fs::path audit = dir.path() / "epochs.jsonl";
  const auto steps = [&] {
    std::vector<int> out;
    std::ifstream in(audit);
    for (std::string line; std::getline(in, line);)
      out.push_back(nlohmann::json::parse(line)["step"].get<int>());
    return out;
  };
  m.Save(1, *model, adamw, meta(1), false);
  const fs::path aside = dir.path() / "epochs.jsonl.aside";
  fs::rename(audit, aside);
  fs::create_directory(audit);
  m.Save(2, *model, adamw, meta(2), false);  // stands; its line cannot be appended
  EXPECT_TRUE(fs::exists(dir.path() / "checkpoints" / "step-00000002" / "model.pt"));
  fs::remove(audit);
  fs::rename(aside, audit);
  m.Save(3, *model, adamw, meta(3), false);
  EXPECT_EQ(steps(), (std::vector<int>{1, 2, 3}));

  fs::rename(audit, aside);
  fs::create_directory(audit);
  m.Save(4, *model, adamw, meta(4), false);
  fs::remove(audit);
  fs::rename(aside, audit);
  m.AdoptAsStateOfRecord((dir.path() / "checkpoints" / "step-00000004").string());
  EXPECT_EQ(steps(), (std::vector<int>{1, 2, 3, 4}));
}

TEST(Checkpoints, ATruncatedOrAlteredFileIsCaughtByItsDigest) {
  testing_util::TempDir dir("ckpt-digest");
  torch::nn::Linear model(64, 64);
  torch::optim::AdamW adamw(model->parameters());
  CheckpointManager m(dir.path().string(), 3);
  for (int step = 1; step <= 3; ++step) m.Save(step, *model, adamw, {{"step", step}}, false);
  const fs::path ckpts = dir.path() / "checkpoints";
  const auto meta = CheckpointManager::ReadMeta((ckpts / "step-00000003").string());
  EXPECT_EQ(meta["files"]["model.pt"]["bytes"].get<std::uintmax_t>(),
            fs::file_size(ckpts / "step-00000003" / "model.pt"));
  EXPECT_EQ(meta["files"]["model.pt"]["digest"].get<std::string>().size(), 16u);
  // The newest loses its tail (a crash mid-copy, a full disk).
  const fs::path model3 = ckpts / "step-00000003" / "model.pt";
  fs::resize_file(model3, fs::file_size(model3) - 100);
  EXPECT_EQ(fs::path(*m.NewestValid()).filename(), "step-00000002");
  // The next has one byte changed in place, same size.
  const fs::path opt2 = ckpts / "step-00000002" / "optimizer.pt";
  {
    std::fstream f(opt2, std::ios::in | std::ios::out | std::ios::binary);
    const auto middle = static_cast<std::streamoff>(fs::file_size(opt2) / 2);
    f.seekg(middle);
    const char c = static_cast<char>(f.get());
    f.seekp(middle);
    f.put(static_cast<char>(~c));
  }
  EXPECT_EQ(fs::path(*m.NewestValid()).filename(), "step-00000001");
}

// Resuming where every checkpoint is damaged starts afresh: the damaged
// folders step aside and the audit forgets their commits, so the commits
// the new run makes are not counted twice.
TEST(Checkpoints, AFreshStartSetsDamagedFoldersAsideAndEmptiesTheAudit) {
  testing_util::TempDir dir("ckpt-fresh");
  torch::nn::Linear model(3, 2);
  torch::optim::AdamW adamw(model->parameters());
  CheckpointManager m(dir.path().string(), 3);
  const nlohmann::json line{{"epoch", 1}, {"from", 0}, {"to", 18}, {"step", 3}};
  m.Save(3, *model, adamw, {{"step", 3}, {"commit", {line}}}, false);
  std::ifstream audit_before(dir.path() / "epochs.jsonl");
  std::string text;
  ASSERT_TRUE(std::getline(audit_before, text));
  EXPECT_EQ(nlohmann::json::parse(text), line);
  const fs::path model3 = dir.path() / "checkpoints" / "step-00000003" / "model.pt";
  fs::resize_file(model3, fs::file_size(model3) / 2);
  ASSERT_FALSE(m.NewestValid());
  m.AdoptFreshStart();
  EXPECT_FALSE(fs::exists(dir.path() / "checkpoints" / "step-00000003"));
  EXPECT_TRUE(fs::exists(dir.path() / "checkpoints" / "step-00000003.rolled-back"));
  EXPECT_EQ(fs::file_size(dir.path() / "epochs.jsonl"), 0u);
  m.AdoptFreshStart();  // again (a second failed start): nothing left to do
  EXPECT_EQ(fs::file_size(dir.path() / "epochs.jsonl"), 0u);
}

// A checkpoint written before XXH3 names no hash and carries the legacy
// FNV-1a digests: still readable, and still checked.
TEST(Checkpoints, ACheckpointWithLegacyDigestsIsStillReadAndChecked) {
  testing_util::TempDir dir("ckpt-legacy");
  torch::nn::Linear model(8, 8);
  torch::optim::AdamW adamw(model->parameters());
  CheckpointManager m(dir.path().string(), 2);
  const fs::path step = fs::path(m.Save(1, *model, adamw, {{"step", 1}}, false));
  auto meta = CheckpointManager::ReadMeta(step.string());
  EXPECT_EQ(meta["files"]["model.pt"]["hash"], "xxh3");
  for (auto& [name, entry] : meta["files"].items()) {
    entry.erase("hash");
    entry["digest"] = FileDigest(step / name, DigestKind::kLegacyFnv).Hex();
  }
  std::ofstream(step / "meta.json") << meta.dump();
  EXPECT_EQ(fs::path(*m.NewestValid()).filename(), "step-00000001");
  fs::resize_file(step / "model.pt", fs::file_size(step / "model.pt") - 1);
  EXPECT_FALSE(m.NewestValid().has_value());
}

TEST(Checkpoints, UnwritableFolderIsAnErrorAndTheOldOnesStay) {
  testing_util::TempDir dir("ckpt-ro");
  torch::nn::Linear model(3, 2);
  torch::optim::AdamW adamw(model->parameters());
  CheckpointManager m(dir.path().string(), 2);
  m.Save(1, *model, adamw, {{"step", 1}}, true);
  // A file where the next checkpoint's folder must go: creating it fails
  // (for root too, unlike permission bits).
  std::ofstream(dir.path() / "checkpoints" / "step-00000002.tmp") << "in the way";
  fs::permissions(dir.path() / "checkpoints" / "step-00000002.tmp", fs::perms::none);
  std::ofstream(dir.path() / "blocker");
  CheckpointManager blocked((dir.path() / "blocker").string(),
                            2);  // its "checkpoints" lies under a file
  EXPECT_THROW(blocked.Save(2, *model, adamw, {}, true), std::exception);
  EXPECT_EQ(fs::path(*m.NewestValid()).filename(), "step-00000001");
}

TEST(Checkpoints, WeightsPathAcceptsWhatAUserWouldPass) {
  testing_util::TempDir dir("ckpt-path");
  torch::nn::Linear model(3, 2);
  torch::optim::AdamW adamw(model->parameters());
  CheckpointManager m(dir.path().string(), 1);
  m.Save(1, *model, adamw, {{"step", 1}}, /*is_best=*/true);
  m.Save(2, *model, adamw, {{"step", 2}}, /*is_best=*/false);
  const fs::path run = dir.path(), ckpts = run / "checkpoints";
  const std::string best = (ckpts / "step-00000001" / "model.pt").string();
  EXPECT_EQ(CheckpointWeightsPath(run.string()), best);
  EXPECT_EQ(CheckpointWeightsPath((ckpts).string() + "/"), best);
  EXPECT_EQ(CheckpointWeightsPath((ckpts / "best").string()), best);
  EXPECT_EQ(CheckpointWeightsPath((ckpts / "step-00000002").string()),
            (ckpts / "step-00000002" / "model.pt").string());
  EXPECT_EQ(CheckpointWeightsPath(best), best);
  try {
    CheckpointWeightsPath((run / "nothing-here").string());
    FAIL() << "a missing path must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("nothing-here"), std::string::npos);
  }
  fs::create_directories(run / "empty");
  EXPECT_THROW(CheckpointWeightsPath((run / "empty").string()), Error);
}

}  // namespace
}  // namespace getps
