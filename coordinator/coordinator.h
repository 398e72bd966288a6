// RunCoordinator: rank 0 of `mpirun -np N+1 getps train --sync ps|mpi`.
// It owns the run's outputs: metrics.jsonl (records the replicas send) and
// the checkpoints of record (written here only), and with --sync ps it is
// the parameter server (parameter_server.h; or --servers K, below) and the meeting point of sums,
// gathers and checkpoint barriers. Replica indices: an mpirun rank r is
// replica r - 1; external workers (ps) take the next indices in the order
// they join. It returns once every replica has finished.
//
// With --servers K (options.servers) the parameters and their AdamW state
// live on K parameter server shards (parameter_shards.h) while a
// generation runs; the coordinator keeps the state of record, sends it to
// the shards when a generation starts and fetches it back at every commit
// point. mpirun ranks 1..K are the shards, and rank r > K is replica
// r - K - 1.
//
// Elastic runs (--sync ps): replicas take part in generations
// (generations.h). A lost replica ends the generation: the parameter server
// rolls back to the last commit (StateOfRecord; the lost replica's
// in-flight push is dropped with the rest of the uncommitted work), the
// survivors are told (kStale) and rejoin, and the next generation starts
// from that commit with the replicas there are. Replicas that ask to join a
// running generation (`getps worker`, or a stale replica back from a hang)
// are admitted at the next commit point. --sync mpi is not elastic: a lost
// replica ends the job (`getps launch` restarts it from the last commit).
//
// Error contract: throws Error(kTimeout) when a replica of a --sync mpi run
// is lost, when fewer than --min-workers replicas are ready after the
// rendezvous timeout, or when no replica of a running generation has been
// heard from for options.timeout (not checked for asynchronous replicas
// with --servers, who talk to the shards: their heartbeats are the check),
// or when a server shard is lost; Error(kInternal) on a message that breaks
// the run's protocol. Malformed messages are logged and ignored.
#pragma once

#include <chrono>
#include <vector>

#include "coordinator/generations.h"
#include "protocol/control_channel.h"
#include "protocol/run_progress.h"
#include "worker/replica_link.h"
#include "worker/trainer.h"

namespace getps {

struct CoordinatorOptions {
  TrainOptions train;  // store, model, seed, init, run_dir, keep_last; sent to joiners
  SyncMode sync = SyncMode::kMpi;
  int mpi_replicas = 1;  // ranks 1..N of mpirun
  int external = 0;      // --sync ps: workers joining with `getps worker`
  // --sync ps --servers K: a client for each parameter server shard (its
  // endpoint, public key and the run's client keys); empty: one shard, here.
  std::vector<ControlClientOptions> servers;
  bool bf16_wire = false;  // --sync ps: replicas push bfloat16 gradients
  int staleness = -1;      // --sync ps: -1 synchronous, else async, at most this many pushes ahead
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
