// CommitCursor: where a training run stands in its epoch's window order with
// respect to its commits (checkpoints of the state of record, every
// --commit-every steps and at epoch ends): the generation (resumes so far),
// the first window not committed yet, where a resumed epoch starts, the
// epoch's training-loss sums an earlier generation committed, the lines of
// commits not written yet, and, in an elastic run, how far the current
// generation has trained, so that a rejoin can count the windows trained
// again. It makes each commit's meta fields and RUN/epochs.jsonl lines
// (commit_audit.h). Bookkeeping only; the trainer (trainer.h) trains and
// writes. Not thread-safe (the training thread's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "storage/window_plan.h"

namespace getps {

class CommitCursor {
 public:
  // Continue as `generation` from a commit's meta (null: afresh).
  void Restart(const nlohmann::json& meta, int generation);

  // The windows of the epoch resumed at: a mid-epoch commit's cursor must
  // index `order` (the run's order of that epoch); throws
  // Error(kInvalidArgument) naming `source` otherwise (another seed,
  // fraction or held-out set).
  void CheckOrder(const nlohmann::json& meta, const std::vector<Window>& order,
                  const std::string& source) const;

  // An epoch in `order` begins; its first window to train (a resume's
  // cursor, or 0) and the loss sums carried from an earlier generation.
  struct EpochStart {
    std::size_t first = 0;
    double loss_sum = 0, seen = 0;
  };
  EpochStart BeginEpoch(std::vector<Window> order);

  // A step of `epoch` was applied: the generation has trained up to `end`.
  void Trained(int epoch, std::size_t end);

  // A commit after windows_done windows of epoch `epoch`'s order, at `step`,
  // with the epoch's (global) loss sums so far: `meta` gains the cursor's
  // fields and the lines, those of commits not written before included.
  // `replicas` goes into the line of a generation's first commit.
  nlohmann::json CommitMeta(nlohmann::json meta, int epoch, std::int64_t step, int replicas,
                            std::size_t windows_done, double loss_sum, double seen) const;
  // The commit of `commit_meta` (CommitMeta's) after windows_done windows
  // was written, or not: then its line goes with the next one.
  void Committed(bool written, const nlohmann::json& commit_meta, std::size_t windows_done);

  // After a generation change: Restart from `meta`, the commit of a state
  // with `epochs_done` epochs; what the ended generation trained past it is
  // trained again, and that count is returned (and goes into the next line).
  std::size_t Rejoin(const nlohmann::json& meta, int generation, int epochs_done);

  int generation() const { return generation_; }
  std::size_t resume_window() const { return resume_window_; }
  const std::vector<Window>& order() const { return order_; }

 private:
  nlohmann::json Line(int epoch, std::int64_t step, int replicas, std::size_t windows_done) const;

  int generation_ = 0;
  std::vector<Window> order_;  // the epoch's training windows, in order
  std::size_t commit_from_ = 0, resume_window_ = 0;
  bool resumed_ = false;  // the next commit is this generation's first
  nlohmann::json pending_lines_ = nlohmann::json::array();
  double carried_loss_sum_ = 0, carried_seen_ = 0;
  std::int64_t trained_epoch_ = -1;
  std::size_t trained_to_ = 0, reissued_ = 0;
};

}  // namespace getps
