// Generations: who takes part in an elastic --sync ps run, generation by
// generation. Bookkeeping only: the coordinator (coordinator.h) does the
// messaging and the state of record; this decides who is in, who waits,
// when a generation may start, and which hosts are kept out.
//
// A peer says hello (Joined), then asks to take part (Ready). The first
// generation starts once every expected replica is ready, or, after the
// rendezvous timeout, with at least `min_workers`. A generation ends (End)
// when a member is lost or when replicas wait to be admitted at a commit
// point; the next starts once every surviving member is ready again and
// there are at least `min_workers`, waiting up to the rendezvous timeout for
// new ones. Members keep their order: survivors first (by their old index),
// then newcomers in the order they joined.
//
// Hosts: a newcomer from a host that lost `host_failures` replicas within
// `host_cooldown` is refused until that window has passed since its latest
// loss (survivors of the ended generation are never refused).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace getps {

struct GenerationOptions {
  int initial = 1;      // replicas the first generation waits for
  int min_workers = 1;  // below this a generation does not start
  std::chrono::milliseconds rendezvous_timeout{120000};
  int host_failures = 3;  // losses within host_cooldown that keep a host out
  std::chrono::milliseconds host_cooldown{300000};
};

class Generations {
 public:
  using Clock = std::chrono::steady_clock;

  // `first` is the first generation's number (a resumed run continues the
  // count of its checkpoint).
  Generations(const GenerationOptions& options, std::uint32_t first, Clock::time_point now);

  // A hello from `peer` on `host`; `order` ranks newcomers (mpirun rank, or
  // a number past the ranks for outside workers).
  void Joined(const std::string& peer, const std::string& host, int order);
  bool joined(const std::string& peer) const { return joined_.count(peer) > 0; }
  const std::string& host(const std::string& peer) const { return joined_.at(peer).host; }

  // Why `peer` may not take part ("" when it may): it never said hello, or
  // its host is cooling down.
  std::string Refusal(const std::string& peer, Clock::time_point now) const;

  // `peer` waits for the next generation (or to be admitted to one).
  void Ready(const std::string& peer);

  // The members of the next generation in index order, once it may start
  // (nullopt: not yet). Throws Error(kTimeout) when fewer than min_workers
  // are ready after the rendezvous timeout.
  std::optional<std::vector<std::string>> StartIfReady(Clock::time_point now);

  // Ends the running generation: its members must be ready again before the
  // next starts. Returns them (to be told).
  std::vector<std::string> End(Clock::time_point now);

  // `peer` is gone (process ended, or silent past the heartbeat timeout).
  // Returns true when it was a member of the running generation (the caller
  // then ends it).
  bool Lost(const std::string& peer, Clock::time_point now);

  // A member that has finished the run.
  void Finished(const std::string& peer) { finished_.insert(peer); }
  bool all_finished() const;
  bool any_finished() const { return !finished_.empty(); }
  bool finished(const std::string& peer) const { return finished_.count(peer) > 0; }

  bool running() const { return running_; }
  std::uint32_t generation() const { return generation_; }
  int replicas() const { return static_cast<int>(members_.size()); }
  // The member's index in the running generation; nullopt for others.
  std::optional<int> IndexOf(const std::string& peer) const;
  const std::map<std::string, int>& members() const { return members_; }

  // Ready peers that are not members of the running generation.
  std::vector<std::string> Newcomers() const;
  // Everyone to probe for liveness: members not finished, and the ready.
  std::vector<std::string> Live() const;
  // Peers lost (or refused) that have not been told their generation ended.
  std::set<std::string>& untold() { return untold_; }

 private:
  struct Peer {
    std::string host;
    int order = 0;
  };
  int CountReady() const { return static_cast<int>(ready_.size()); }

  GenerationOptions options_;
  std::uint32_t generation_;
  bool running_ = false, started_once_ = false;
  Clock::time_point waiting_since_;
  std::map<std::string, Peer> joined_;
  std::map<std::string, int> members_;   // running generation: peer -> index
  std::map<std::string, int> previous_;  // the ended generation's, for the order
  std::vector<std::string> ready_;       // in the order they became ready
  std::set<std::string> expected_;       // survivors not ready yet
  std::set<std::string> finished_;
  std::set<std::string> untold_;
  std::map<std::string, std::deque<Clock::time_point>> host_losses_;
};

}  // namespace getps
