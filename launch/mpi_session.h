// What a distributed command does with MPI itself: start and end it, tell
// every rank the coordinator's endpoint and the run's keys, gather short
// texts at rank 0, and place a replica on its GPU. The training and the
// explaining jobs (distributed_train.h, explain_distributed.h) share these.
#pragma once

#include <mpi.h>

#include <c10/core/Device.h>

#include <string>
#include <vector>

#include "protocol/control_channel.h"
#include "protocol/run_keys.h"

namespace getps::cli {

// Whether an MPI launcher (mpirun, or srun with PMI/PMIx) started this
// process: each sets one of these in its ranks' environment.
bool StartedByMpiLauncher();

// MPI_Init/Finalize for the life of the run. Serialized threads: the
// gradient hooks (gradient_reducer.h) call MPI from the thread autograd
// runs them on (the training thread on CPU, the engine's device thread
// for CUDA tensors) while the training thread waits in backward. Throws
// Error(kIOError) when MPI_Init fails.
class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  // MPI_Finalize waits for every rank; under mpirun's recovery settings a
  // rank may have died, and the survivors would wait for it forever. With
  // a bound, the process exits with status 0 once `seconds` have passed in
  // MPI_Finalize (its work is done by then).
  void BoundFinalize(int seconds) { finalize_bound_ = seconds; }
  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  int rank_ = 0, size_ = 1;
  int finalize_bound_ = 0;
};

// `text` of rank 0 on every rank (collective).
std::string Broadcast(std::string text);

// Every rank's `text` (under 1 KiB) at rank 0 (elsewhere: empty), in rank
// order (collective).
std::vector<std::string> GatherAtRankZero(const std::string& text, int ranks);

// The coordinator's endpoint and the keys its clients need (its public key
// and the run's client pair), from rank 0 to every rank (collective; the
// arguments are read on rank 0 only).
struct CoordinatorAddress {
  std::string endpoint;
  RunKeys keys;
};
CoordinatorAddress BroadcastCoordinator(const CoordinatorAddress& address);

// The endpoint peers are told to reach `server` at (advertised_endpoint.h:
// `advertise`, or one chosen), logged with the reason for it and `who`.
std::string Advertise(const ControlServer& server, const std::string& advertise,
                      const std::string& who);

// A bare "cuda": GPU (node-local index in `ranks`) mod (visible GPUs), so
// the replicas of one host spread over its GPUs; anything else as given.
c10::Device ReplicaDevice(c10::Device device, MPI_Comm ranks);

}  // namespace getps::cli
