#include "coordinator/generations.h"

#include <algorithm>
#include <cstdint>
#include <tuple>

#include "common/error.h"

namespace getps {
namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

Generations::Generations(const GenerationOptions& options, std::uint32_t first,
                         Clock::time_point now)
    : options_(options), generation_(first), waiting_since_(now) {
  if (options_.min_workers < 1)
    throw Error(ErrorCode::kInvalidArgument, "--min-workers must be at least 1");
}

void Generations::Joined(const std::string& peer, const std::string& host, int order) {
  joined_[peer] = {host, order};
}

std::string Generations::Refusal(const std::string& peer, Clock::time_point now) const {
  auto it = joined_.find(peer);
  if (it == joined_.end()) return "it has not said hello";
  if (expected_.count(peer)) return "";  // a survivor rejoining is never kept out
  auto losses = host_losses_.find(it->second.host);
  if (losses == host_losses_.end()) return "";
  const auto recent = std::count_if(losses->second.begin(), losses->second.end(),
                                    [&](auto t) { return now - t < options_.host_cooldown; });
  if (recent < options_.host_failures) return "";
  const double left = Seconds(losses->second.back() + options_.host_cooldown - now);
  return "host " + it->second.host + " lost " + std::to_string(recent) + " replicas in the last " +
         std::to_string(static_cast<int>(Seconds(options_.host_cooldown))) +
         " s; it is kept out for another " + std::to_string(static_cast<int>(left + 1)) + " s";
}

void Generations::Ready(const std::string& peer) {
  if (std::find(ready_.begin(), ready_.end(), peer) == ready_.end()) ready_.push_back(peer);
  expected_.erase(peer);
}

std::optional<std::vector<std::string>> Generations::StartIfReady(Clock::time_point now) {
  if (running_ || !expected_.empty()) return std::nullopt;
  const bool waited_enough = now - waiting_since_ >= options_.rendezvous_timeout;
  const int needed = started_once_ || waited_enough
                         ? options_.min_workers
                         : std::max(options_.initial, options_.min_workers);
  if (CountReady() < needed) {
    if (!waited_enough) return std::nullopt;
    throw Error(ErrorCode::kTimeout,
                "coordinator: " + std::to_string(CountReady()) + " replica(s) ready, but " +
                    std::to_string(options_.min_workers) +
                    " are needed (--min-workers); none more came within the rendezvous timeout "
                    "of " +
                    std::to_string(static_cast<int>(Seconds(options_.rendezvous_timeout))) +
                    " s (--rendezvous-timeout)");
  }
  // Survivors first, by their old index; then newcomers by join order.
  std::vector<std::string> order = ready_;
  auto key = [&](const std::string& peer) {
    auto old = previous_.find(peer);
    if (old != previous_.end()) return std::tuple(0, old->second, 0);
    const auto position = std::find(ready_.begin(), ready_.end(), peer) - ready_.begin();
    return std::tuple(1, joined_.at(peer).order, static_cast<int>(position));
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](const auto& a, const auto& b) { return key(a) < key(b); });
  members_.clear();
  for (std::size_t i = 0; i < order.size(); ++i) members_[order[i]] = static_cast<int>(i);
  ready_.clear();
  previous_.clear();
  finished_.clear();
  running_ = started_once_ = true;
  return order;
}

std::vector<std::string> Generations::End(Clock::time_point now) {
  running_ = false;
  previous_ = members_;
  std::vector<std::string> told;
  for (const auto& [peer, index] : members_) {
    expected_.insert(peer);
    told.push_back(peer);
  }
  members_.clear();
  ++generation_;
  waiting_since_ = now;
  return told;
}

bool Generations::Lost(const std::string& peer, Clock::time_point now) {
  auto it = joined_.find(peer);
  if (it != joined_.end()) host_losses_[it->second.host].push_back(now);
  untold_.insert(peer);
  ready_.erase(std::remove(ready_.begin(), ready_.end(), peer), ready_.end());
  expected_.erase(peer);
  previous_.erase(peer);
  return members_.erase(peer) > 0 && running_;
}

bool Generations::all_finished() const {
  return running_ && !members_.empty() &&
         std::all_of(members_.begin(), members_.end(),
                     [&](const auto& m) { return finished_.count(m.first) > 0; });
}

std::optional<int> Generations::IndexOf(const std::string& peer) const {
  auto it = members_.find(peer);
  if (it == members_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Generations::Newcomers() const {
  std::vector<std::string> out;
  for (const auto& peer : ready_)
    if (!members_.count(peer)) out.push_back(peer);
  return out;
}

std::vector<std::string> Generations::Live() const {
  std::vector<std::string> out;
  for (const auto& [peer, index] : members_)
    if (!finished_.count(peer)) out.push_back(peer);
  out.insert(out.end(), ready_.begin(), ready_.end());
  for (const auto& peer : expected_)
    if (std::find(ready_.begin(), ready_.end(), peer) == ready_.end()) out.push_back(peer);
  return out;
}

}  // namespace getps
