#include "worker/commit_cursor.h"

#include <cstdint>
#include <utility>

#include "common/error.h"
#include "worker/commit_audit.h"

namespace getps {

using nlohmann::json;

void CommitCursor::Restart(const json& meta, int generation) {
  generation_ = generation;
  pending_lines_ = json::array();
  trained_epoch_ = -1;
  trained_to_ = 0;
  resumed_ = !meta.is_null();
  resume_window_ = resumed_ ? meta.value("windows_done", std::size_t{0}) : 0;
  carried_loss_sum_ = resumed_ ? meta.value("epoch_loss_sum", 0.0) : 0;
  carried_seen_ = resumed_ ? meta.value("epoch_seen", 0.0) : 0;
}

void CommitCursor::CheckOrder(const json& meta, const std::vector<Window>& order,
                              const std::string& source) const {
  if (resume_window_ == 0) return;  // at an epoch's start any order will do
  const json& last = meta.at("commit").back();
  if (order.size() != last.at("plan").get<std::size_t>() ||
      DigestHex(WindowSetDigest(order)) != last.at("plan_digest").get<std::string>() ||
      resume_window_ > order.size())
    throw Error(ErrorCode::kInvalidArgument,
                source +
                    " stopped mid-epoch in another window order (another --seed, "
                    "--train-fraction or held-out set?); refusing to continue it there");
}

CommitCursor::EpochStart CommitCursor::BeginEpoch(std::vector<Window> order) {
  order_ = std::move(order);
  EpochStart start;
  start.first = std::exchange(resume_window_, 0);
  start.loss_sum = std::exchange(carried_loss_sum_, 0.0);
  start.seen = std::exchange(carried_seen_, 0.0);
  commit_from_ = start.first;
  return start;
}

void CommitCursor::Trained(int epoch, std::size_t end) {
  trained_epoch_ = epoch;
  trained_to_ = end;
}

json CommitCursor::Line(int epoch, std::int64_t step, int replicas,
                        std::size_t windows_done) const {
  json line = CommitLine(order_, epoch, generation_, commit_from_, windows_done);
  line["step"] = step;
  if (resumed_) {
    line["resumed_at"] = commit_from_;
    line["replicas"] = replicas;
  }
  if (reissued_ > 0) line["reissued"] = reissued_;
  return line;
}

json CommitCursor::CommitMeta(json meta, int epoch, std::int64_t step, int replicas,
                              std::size_t windows_done, double loss_sum, double seen) const {
  const bool end = windows_done == order_.size();
  meta["generation"] = generation_;
  meta["windows_done"] = end ? 0 : windows_done;  // of epoch `epochs_done`
  meta["epoch_loss_sum"] = loss_sum;
  meta["epoch_seen"] = seen;
  // The lines of commits whose checkpoints could not be written go with
  // this one: its state includes their windows.
  json lines = pending_lines_;
  lines.push_back(Line(epoch, step, replicas, windows_done));
  meta["commit"] = std::move(lines);
  return meta;
}

void CommitCursor::Committed(bool written, const json& commit_meta, std::size_t windows_done) {
  if (written) {
    pending_lines_ = json::array();
    resumed_ = false;
    reissued_ = 0;
  } else {
    pending_lines_.push_back(commit_meta.at("commit").back());
  }
  // Committed, or pending with the next commit.
  commit_from_ = windows_done == order_.size() ? 0 : windows_done;
}

std::size_t CommitCursor::Rejoin(const json& meta, int generation, int epochs_done) {
  const std::int64_t reached_epoch = trained_epoch_;
  const std::size_t reached = trained_to_;
  Restart(meta, generation);
  reissued_ =
      reached_epoch == epochs_done && reached > resume_window_ ? reached - resume_window_ : 0;
  return reissued_;
}

}  // namespace getps
