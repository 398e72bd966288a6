// RunCoordinator: rank 0 of `mpirun -np N+1 getps train --sync ps|mpi`.
// It owns the run's outputs: metrics.jsonl (records the replicas send), the
// run files replica 0 hands over, and the checkpoints of record (written
// here only); it hands out every synchronous step's shards, and is the
// meeting point of sums, gathers and checkpoint barriers. What differs by
// --sync is a class of its own (coordinator_core.h): MpiCoordinator (a
// fixed set of mpirun ranks; replica 0 sends the state a checkpoint needs)
// and PsCoordinator (elastic generations; the coordinator, or K server
// shards, hold the parameters). Replica indices: an mpirun rank r is
// replica r - 1 (r - K - 1 with --servers K, whose ranks 1..K are the
// shards); external workers (ps) take the next indices in the order they
// join. It returns once every replica has finished.
//
// Error contract: throws Error(kTimeout) when a replica of a --sync mpi run
// is lost, when fewer than --min-workers replicas are ready after the
// rendezvous timeout, or when no replica of a running generation has been
// heard from for options.timeout (not checked for asynchronous replicas
// with --servers, who talk to the shards: their heartbeats are the check),
// or when a server shard is lost; Error(kInternal) on a message that breaks
// the run's protocol. Malformed messages (frames, or bodies that are not
// their type's, protocol/messages.h) are logged and dropped.
#pragma once

#include <chrono>
#include <vector>

#include "coordinator/generations.h"
#include "protocol/control_channel.h"
#include "protocol/messages.h"
#include "protocol/run_progress.h"
#include "protocol/sync_mode.h"
#include "worker/model/train_options.h"

namespace getps {

struct CoordinatorOptions {
  TrainOptions train;  // store, model, seed, init, run_dir, keep_last; sent to joiners
  SyncMode sync = SyncMode::kMpi;
  int mpi_replicas = 1;  // training ranks of mpirun
  int external = 0;      // --sync ps: workers joining with `getps worker`
  // --sync ps --servers K: a client for each parameter server shard (its
  // endpoint, public key and the run's client keys); empty: one shard, here.
  std::vector<ControlClientOptions> servers;
  WireDtype wire = WireDtype::kFp32;  // --sync ps: how replicas push gradients
  // --servers K with the MPI data plane: shard k is rank k + 1 of the job,
  // and replicas that are ranks too move their bytes to it over MPI.
  bool mpi_data_plane = false;
  int staleness = -1;  // --sync ps: -1 synchronous, else async, at most this many pushes ahead
  std::chrono::milliseconds timeout{300000};
  std::chrono::milliseconds probe_interval{1000};  // liveness probes of joined replicas
  // --sync ps: --min-workers, --rendezvous-timeout and the host cool-down
  // (`initial` is set from mpi_replicas + external).
  GenerationOptions elastic;
};

// Serves the run until every replica finished. With `progress` (not
// owned), the live figures are set there from the replicas' records and,
// under ps, from every applied step.
void RunCoordinator(const CoordinatorOptions& options, ControlServer& server,
                    RunProgress* progress = nullptr);

}  // namespace getps
