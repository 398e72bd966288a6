// WorkQueue: which items of a job are left, which peer holds which, and
// which are done; the bookkeeping of a work queue (work_server.h), apart
// from the network so it can be tested alone.
//
// Invariants: an item is in exactly one of left, held (by one peer) or
// done; an item is done once: a result for an item the peer does not hold
// (it was taken back when the peer was lost, or is done already) is
// refused, so a late or repeated result never counts twice. Not thread
// safe.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace getps {

// Tasks [first, first + count) of a job, handed out as one.
struct WorkItem {
  std::size_t first = 0, count = 0;
};

class WorkQueue {
 public:
  explicit WorkQueue(std::vector<WorkItem> items);

  // The next item for `peer`, which holds none; nullopt when none is left
  // (items may still be held by others).
  std::optional<WorkItem> Take(const std::string& peer);
  // `peer` returned the result of the item starting at `first`: true when
  // that is the item it holds, which is then done.
  bool Complete(const std::string& peer, std::size_t first);
  // `peer` is gone: its item (if any) goes back to the front of the queue.
  // Returns it.
  std::optional<WorkItem> Release(const std::string& peer);

  std::optional<WorkItem> Held(const std::string& peer) const;
  bool finished() const { return left_.empty() && held_.empty(); }
  std::size_t left() const { return left_.size(); }
  std::size_t done() const { return done_; }
  std::size_t tasks_left() const;  // in items not done (left or held)

 private:
  std::deque<WorkItem> left_;
  std::map<std::string, WorkItem> held_;
  std::size_t done_ = 0;
};

}  // namespace getps
