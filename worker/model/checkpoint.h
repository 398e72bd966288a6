// Checkpoints of a training run: RUN/checkpoints/step-00001234/ holding
// model.pt (a state dict torch.load reads, reference parameter names),
// adapters.pt (LoRA adapters, when the model has them), optimizer.pt
// (LibTorch's AdamW state) and meta.json (step, epochs done,
// options, model config, store fingerprint, losses). Each is written under a
// temporary name, fsynced and renamed into place, so a crash never leaves a
// half checkpoint that looks valid. The manager keeps the last K and the best
// (by validation loss; named in RUN/checkpoints/best). meta.json lists every
// file's size and digest; NewestValid checks them. A checkpoint whose meta
// has "commit" lines (worker/commit_audit.h) is the state of record: once
// it is in place, those lines are appended to RUN/epochs.jsonl.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <cstdint>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace getps {

// A checkpoint a run resumes from: its folder and its meta, and whose it is
// in messages ("": this process's run directory; "the coordinator's ").
struct ResumePoint {
  std::string dir;
  nlohmann::json meta;
  std::string owner;
};

class CheckpointManager {
 public:
  CheckpointManager(std::string run_dir, int keep_last);

  // Writes a checkpoint, appends its commit line (if any), and prunes old
  // ones. Returns its directory. Throws Error(kIOError) when it cannot be
  // written (the previous ones stay, and no line is appended). Lines whose
  // checkpoint stands but which could not be appended (a full disk) are
  // appended, first, by the next Save or roll-back of this manager.
  std::string Save(std::int64_t step, const torch::nn::Module& model,
                   torch::optim::Optimizer& optimizer, const nlohmann::json& meta, bool is_best);

  // The newest checkpoint whose meta.json parses and whose files exist
  // with their sizes and digests; damaged ones are skipped with a warning.
  // Throws Error(kIOError) when a file cannot be read (not damage: the
  // run stops rather than resume from an older checkpoint).
  std::optional<std::string> NewestValid() const;
  std::optional<std::string> Best() const;

  static nlohmann::json ReadMeta(const std::string& checkpoint_dir);

  // On resume from `checkpoint_dir` (by the process that writes
  // checkpoints): newer step folders (damaged ones NewestValid skipped) are
  // renamed aside, RUN/epochs.jsonl keeps only the lines of commits up to
  // this one's step, and gets this one's lines if they are missing (a crash
  // between the rename and the append).
  void AdoptAsStateOfRecord(const std::string& checkpoint_dir) const;
  // On a resume that found no valid checkpoint: every step folder (all
  // damaged) is set aside and RUN/epochs.jsonl loses every commit's line,
  // so the run's audit starts again with the run.
  void AdoptFreshStart() const;

 private:
  // Appends `lines` and the earlier ones still unappended, whole or not at
  // all; keeps them unappended (logged) when the audit cannot be written.
  void AppendCommits(const nlohmann::json& lines);
  // Step folders after `name` ("" : all) set aside; audit lines of steps
  // after `step` dropped, `commit_lines` (of `checkpoint_dir`) appended when missing.
  void RollBackTo(const std::string& name, std::int64_t step, const nlohmann::json& commit_lines,
                  const std::string& checkpoint_dir) const;
  std::string dir_;  // RUN/checkpoints
  int keep_last_;
  // Commit lines of standing checkpoints not yet in RUN/epochs.jsonl.
  mutable nlohmann::json unappended_ = nlohmann::json::array();
};

// Throws Error(kInvalidArgument) unless the checkpoint at `checkpoint_dir`
// (its `meta`) was trained on the store at `store_path` whose fingerprint
// is `fingerprint`.
void CheckTrainedOnStore(const nlohmann::json& meta, const std::string& checkpoint_dir,
                         const std::string& store_path, const std::string& fingerprint);

// The weights file a user means by PATH (for --init and friends): a model.pt
// itself; a checkpoint directory; a checkpoints/ folder or its `best` pointer
// file (the best checkpoint); or a run directory (its best checkpoint).
// Throws Error(kNotFound) naming PATH when none of these holds.
std::string CheckpointWeightsPath(const std::string& path);

}  // namespace getps
