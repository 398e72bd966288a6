#include "worker/model/checkpoint.h"

#include <torch/serialize.h>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/file_digest.h"
#include "common/log.h"
#include "worker/model/state_dict.h"

namespace getps {

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> StepDirs(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory() && name.rfind("step-", 0) == 0 && name.find('.') == std::string::npos)
      out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

CheckpointManager::CheckpointManager(std::string run_dir, int keep_last)
    : dir_((fs::path(run_dir) / "checkpoints").string()), keep_last_(std::max(1, keep_last)) {}

nlohmann::json CheckpointManager::ReadMeta(const std::string& checkpoint_dir) {
  const fs::path path = fs::path(checkpoint_dir) / "meta.json";
  if (!fs::exists(path))
    throw Error(ErrorCode::kCorruption, "checkpoint " + checkpoint_dir + " has no meta.json");
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::kIOError, "cannot read " + path.string());
  try {
    return nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kCorruption,
                "checkpoint " + checkpoint_dir + ": unreadable meta.json (" + e.what() + ")");
  }
}

std::string CheckpointManager::Save(std::int64_t step, const torch::nn::Module& model,
                                    torch::optim::Optimizer& optimizer, const nlohmann::json& meta,
                                    bool is_best) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(step));
  const fs::path final_dir = fs::path(dir_) / name;
  const fs::path tmp = fs::path(dir_) / (std::string(name) + ".tmp");
  std::error_code ec;
  fs::create_directories(dir_, ec);
  fs::remove_all(tmp, ec);
  if (!fs::create_directories(tmp, ec) || ec) {
    throw Error(ErrorCode::kIOError,
                "cannot create checkpoint folder " + tmp.string() + ": " + ec.message());
  }
  try {
    SaveStateDict(model, (tmp / "model.pt").string());
    const auto adapters = AdapterDict(model);
    if (!adapters.empty()) SaveTensorDict(adapters, (tmp / "adapters.pt").string());
    torch::save(optimizer, (tmp / "optimizer.pt").string());
    FsyncPath(tmp / "optimizer.pt");
    // meta.json, written last, lists every file with its size and digest:
    // NewestValid checks them, so a truncated or damaged file is caught.
    nlohmann::json with_files = meta;
    for (const auto& e : fs::directory_iterator(tmp)) {
      const Digest d = FileDigest(e.path());
      with_files["files"][e.path().filename().string()] = {
          {"bytes", d.bytes}, {"digest", d.Hex()}, {"hash", "xxh3"}};
    }
    WriteFileAtomically(tmp / "meta.json", with_files.dump(1));
  } catch (const std::exception& e) {
    fs::remove_all(tmp, ec);
    throw Error(ErrorCode::kIOError,
                "checkpoint " + final_dir.string() + " not written: " + e.what());
  }
  FsyncPath(tmp);
  fs::remove_all(final_dir, ec);
  fs::rename(tmp, final_dir, ec);
  if (ec) throw Error(ErrorCode::kIOError, "cannot rename " + tmp.string() + ": " + ec.message());
  FsyncPath(dir_);
  // The checkpoint stands from here on: what fails below is logged, not
  // thrown (a resume appends missing lines; a stale `best` names an older
  // good checkpoint).
  AppendCommits(meta.value("commit", nlohmann::json::array()));
  try {
    if (is_best) WriteFileAtomically(fs::path(dir_) / "best", std::string(name) + "\n");
  } catch (const Error& e) {
    LogError(e.what());
  }
  // Keep the last K and the best.
  const auto best = Best();
  auto dirs = StepDirs(dir_);
  for (std::size_t i = 0; i + static_cast<std::size_t>(keep_last_) < dirs.size(); ++i) {
    if (best && fs::path(*best) == dirs[i]) continue;
    fs::remove_all(dirs[i], ec);
  }
  return final_dir.string();
}

std::optional<std::string> CheckpointManager::NewestValid() const {
  auto dirs = StepDirs(dir_);
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    try {
      const nlohmann::json meta = ReadMeta(it->string());
      if (!fs::exists(*it / "model.pt") || !fs::exists(*it / "optimizer.pt")) {
        throw Error(ErrorCode::kCorruption,
                    "checkpoint " + it->string() + " lacks model.pt or optimizer.pt");
      }
      const nlohmann::json files = meta.value("files", nlohmann::json::object());
      for (const auto& [name, want] : files.items()) {
        const fs::path file = *it / name;
        if (!fs::exists(file))
          throw Error(ErrorCode::kCorruption, "checkpoint " + it->string() + " lacks " + name);
        // Checkpoints of getps before XXH3 name no hash: theirs is the legacy one.
        const bool legacy = want.value("hash", std::string("fnv")) != "xxh3";
        const Digest got = FileDigest(file, legacy ? DigestKind::kLegacyFnv : DigestKind::kXxh3);
        if (got.bytes != want.at("bytes").get<std::uint64_t>() ||
            got.Hex() != want.at("digest").get<std::string>())
          throw Error(ErrorCode::kCorruption,
                      "checkpoint " + it->string() + ": " + name + " is damaged (" +
                          std::to_string(got.bytes) + " bytes, digest " + got.Hex() +
                          "; meta.json says " + want.at("bytes").dump() + " bytes, " +
                          want.at("digest").get<std::string>() + ")");
      }
      return it->string();
    } catch (const Error& e) {
      // Only damage is skipped. A file that cannot be read now (EIO, a
      // flaky mount) says nothing of the checkpoint: skipping it would
      // resume from an older one and set this one aside.
      if (e.code() != ErrorCode::kCorruption) throw;
      LogWarning(std::string(e.what()) + "; skipping it");
    }
  }
  return std::nullopt;
}

void CheckpointManager::AppendCommits(const nlohmann::json& lines) {
  for (const auto& line : lines) unappended_.push_back(line);
  if (unappended_.empty()) return;
  std::string text;
  for (const auto& line : unappended_) text += line.dump() + "\n";
  try {
    AppendWhole(fs::path(dir_).parent_path() / "epochs.jsonl", text, AppendSync::kFsync);
    unappended_ = nlohmann::json::array();
  } catch (const Error& e) {
    LogError(std::string(e.what()) + " (" + std::to_string(unappended_.size()) +
             " commit line(s) kept for the next commit)");
  }
}

void CheckpointManager::AdoptAsStateOfRecord(const std::string& checkpoint_dir) const {
  const nlohmann::json meta = ReadMeta(checkpoint_dir);
  RollBackTo(fs::path(checkpoint_dir).filename().string(), meta.value("step", std::int64_t{0}),
             meta.value("commit", nlohmann::json::array()), checkpoint_dir);
}

void CheckpointManager::AdoptFreshStart() const { RollBackTo("", 0, nlohmann::json::array(), ""); }

void CheckpointManager::RollBackTo(const std::string& name, std::int64_t step,
                                   const nlohmann::json& commit_lines,
                                   const std::string& checkpoint_dir) const {
  // Newer checkpoints (damaged, or of a rolled-back run) step aside.
  for (const fs::path& dir : StepDirs(dir_)) {
    if (dir.filename().string() <= name) continue;
    std::error_code ec;
    fs::rename(dir, dir.string() + ".rolled-back", ec);
    LogWarning("set aside " + dir.string() +
               (name.empty() ? " (no valid checkpoint: starting afresh)"
                             : " (newer than the checkpoint resumed from)"));
  }
  // The audit keeps the lines of commits up to this one.
  const fs::path audit = fs::path(dir_).parent_path() / "epochs.jsonl";
  std::string kept;
  std::vector<nlohmann::json> have;
  bool dropped = false;
  std::ifstream in(audit);
  for (std::string text; std::getline(in, text);) {
    const nlohmann::json line = nlohmann::json::parse(text, nullptr, false);
    if (line.is_object() && line.value("step", std::int64_t{0}) > step) {
      dropped = true;
      continue;
    }
    kept += text + "\n";
    have.push_back(line);
  }
  // Lines of standing checkpoints up to this one that were never appended.
  nlohmann::json wanted = nlohmann::json::array();
  for (const auto& line : unappended_)
    if (line.value("step", std::int64_t{0}) <= step) wanted.push_back(line);
  unappended_ = nlohmann::json::array();
  for (const auto& line : commit_lines) wanted.push_back(line);
  bool missing = false;
  for (const auto& line : wanted) {
    if (std::find(have.begin(), have.end(), line) == have.end()) {
      kept += line.dump() + "\n";
      have.push_back(line);
      missing = true;
    }
  }
  if (!dropped && !missing) return;
  if (dropped)
    LogWarning("epochs.jsonl: dropped the lines of commits after step " + std::to_string(step) +
               " (no longer the state of record)");
  if (missing) LogWarning("epochs.jsonl lacked the commit of " + checkpoint_dir + "; appended it");
  WriteFileAtomically(audit, kept);
}

std::optional<std::string> CheckpointManager::Best() const {
  std::ifstream in(fs::path(dir_) / "best");
  std::string name;
  if (!(in >> name)) return std::nullopt;
  const fs::path p = fs::path(dir_) / name;
  if (!fs::exists(p)) return std::nullopt;
  return p.string();
}

std::string CheckpointWeightsPath(const std::string& path) {
  fs::path p = fs::path(path).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();  // "dir/"
  if (fs::is_regular_file(p) && p.filename() == "best")
    return CheckpointWeightsPath(p.parent_path().string());
  if (!fs::is_directory(p)) {
    if (fs::is_regular_file(p)) return path;
    throw Error(ErrorCode::kNotFound, "no checkpoint at " + path);
  }
  if (fs::exists(p / "model.pt")) return (p / "model.pt").string();
  for (const fs::path& checkpoints : {p, p / "checkpoints"}) {
    if (!fs::exists(checkpoints / "best")) continue;
    if (auto best = CheckpointManager(checkpoints.parent_path().string(), 1).Best())
      return (fs::path(*best) / "model.pt").string();
  }
  throw Error(ErrorCode::kNotFound, path +
                                        ": expected model.pt, a checkpoint directory, or a run or "
                                        "checkpoints directory with a best checkpoint");
}

void CheckTrainedOnStore(const nlohmann::json& meta, const std::string& checkpoint_dir,
                         const std::string& store_path, const std::string& fingerprint) {
  const std::string trained_on = meta.value("store_fingerprint", std::string());
  if (trained_on != fingerprint)
    throw Error(ErrorCode::kInvalidArgument,
                "checkpoint " + checkpoint_dir + " was trained on a store with fingerprint " +
                    trained_on + ", but " + store_path + " has " + fingerprint);
}

}  // namespace getps
