// MpiPushes: a parameter server's side of the MPI data plane
// (protocol/mpi_data_plane.h). A push whose control message names MPI data
// (ShardPush::mpi) waits here while its gradients come in over MPI; the
// server's loop takes it back, with its tensors as frames, once they are
// all in. The weights that answer such a push go back over MPI: Outgoing
// turns the kParameters reply into its control message and posts the sends
// (from the reply's own frames, which it holds until they complete).
//
// Pushes come back in arrival order: one still receiving holds back those
// after it (a synchronous step needs them all anyway). A push of an ended
// generation still has its bytes received (Drain), and dropped, so that
// the sender's sends complete. A push whose bytes did not all come within
// the timeout, or whose transfers failed (its peer's fault), is given up
// (Expired) and its receives cancelled; drains and sends are given up after
// the timeout or a failure too. No MPI failure of one peer's transfers
// escapes: the shard goes on serving the others.
//
// Bookkeeping and MPI only (no LibTorch). Thread safety: one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "coordinator/step_exchange.h"
#include "protocol/mpi_data_plane.h"

namespace getps {

class MpiPushes {
 public:
  MpiPushes(MpiDataPlane plane, std::chrono::milliseconds timeout)
      : plane_(plane), timeout_(timeout) {}

  // Whether `m` is a push whose bytes come over MPI.
  static bool NamesMpiData(const Message& m);

  // Posts the receives of `push` (NamesMpiData). Throws Error(kFormatMismatch)
  // for a body that is not a ShardPush, Error(kIOError) on an MPI error.
  void Accept(const std::string& peer, const Message& push);
  // A push of a generation that is over: its bytes are received and dropped.
  void Drain(const Message& push);
  // Everything accepted becomes a drain (the generation ended); returns
  // the peers of those pushes, which still wait for an answer.
  std::vector<std::string> DrainAll();

  // The pushes whose bytes are all in, oldest first, each with its tensors
  // as frames (the mpi field gone), stopping at the first still receiving.
  Replies Ready();
  // Pushes given up, for the caller to refuse: not complete within the
  // timeout, or whose transfers failed (logged).
  std::vector<std::string> Expired();
  // Whether a push or a send is in flight (the loop should poll soon).
  bool busy() const { return !pending_.empty() || !drains_.empty() || !sends_.empty(); }

  // `reply` as it goes to `peer`: a kParameters answering that peer's MPI
  // push names MpiData (tag: its generation and how many answers went to
  // that peer before) and its tensors are sent over MPI; any other message
  // is returned as it is.
  Message Outgoing(const std::string& peer, const Message& reply);

 private:
  using Clock = std::chrono::steady_clock;
  struct Pending {
    std::string peer;
    Message push;  // its frames, once received
    MpiTransfers transfers;
    Clock::time_point deadline;
  };
  struct InFlight {  // a drain or the sends of a reply
    MpiTransfers transfers;
    Clock::time_point deadline;
  };
  // Completed drains and sends are dropped, and so are failed ones and
  // those past their deadline (a lost peer's: they linger,
  // mpi_data_plane.h).
  void Reap();
  static bool Completes(MpiTransfers& transfers, const std::string& what, bool* failed);

  MpiDataPlane plane_;
  std::chrono::milliseconds timeout_;
  std::map<std::string, int> ranks_;              // peer -> its rank, from its MPI pushes
  std::map<std::string, std::uint64_t> answers_;  // peer -> weights sent to it
  std::deque<Pending> pending_;
  std::vector<std::string> given_up_;  // peers of failed pushes, for Expired()
  std::vector<InFlight> drains_, sends_;
};

}  // namespace getps
