#include "coordinator/work_queue.h"

namespace getps {

WorkQueue::WorkQueue(std::vector<WorkItem> items) : left_(items.begin(), items.end()) {}

std::optional<WorkItem> WorkQueue::Take(const std::string& peer) {
  if (left_.empty() || held_.count(peer)) return std::nullopt;
  const WorkItem item = left_.front();
  left_.pop_front();
  held_[peer] = item;
  return item;
}

bool WorkQueue::Complete(const std::string& peer, std::size_t first) {
  auto it = held_.find(peer);
  if (it == held_.end() || it->second.first != first) return false;
  held_.erase(it);
  ++done_;
  return true;
}

std::optional<WorkItem> WorkQueue::Release(const std::string& peer) {
  auto it = held_.find(peer);
  if (it == held_.end()) return std::nullopt;
  const WorkItem item = it->second;
  held_.erase(it);
  left_.push_front(item);
  return item;
}

std::optional<WorkItem> WorkQueue::Held(const std::string& peer) const {
  auto it = held_.find(peer);
  if (it == held_.end()) return std::nullopt;
  return it->second;
}

std::size_t WorkQueue::tasks_left() const {
  std::size_t n = 0;
  for (const auto& item : left_) n += item.count;
  for (const auto& [peer, item] : held_) n += item.count;
  return n;
}

}  // namespace getps
