// RunCoordinator: rank 0 of `mpirun -np N+1 getps train --sync ps|mpi`.
// It owns the run's outputs: metrics.jsonl (records the replicas send) and
// the checkpoints of record (written here only), and with --sync ps it is
// the parameter server (parameter_server.h) and the meeting point of sums,
// gathers and checkpoint barriers. Replica indices: an mpirun rank r is
// replica r - 1; external workers (ps) take the next indices in the order
// they join. It returns once every replica has finished.
//
// Error contract: throws Error(kTimeout) when a joined replica is lost --
// its process ended or it missed heartbeats for the control channel's
// heartbeat timeout, found by probing every `probe_interval` -- or when no
// replica has been heard from for options.timeout; Error(kInternal) on a
// message that breaks the run's protocol. Malformed messages are logged and
// ignored. (A lost replica ends the job: `getps launch` restarts it from
// the last commit. Recovery inside a running job is not built yet.)
#pragma once

#include <chrono>

#include "protocol/control_channel.h"
#include "protocol/run_progress.h"
#include "worker/replica_link.h"
#include "worker/trainer.h"

namespace getps {

struct CoordinatorOptions {
  TrainOptions train;  // store, model, seed, init, run_dir, keep_last; sent to joiners
  SyncMode sync = SyncMode::kMpi;
  int mpi_replicas = 1;    // ranks 1..N of mpirun
  int external = 0;        // --sync ps: workers joining with `getps worker`
  bool bf16_wire = false;  // --sync ps: replicas push bfloat16 gradients
  int staleness = -1;      // --sync ps: -1 synchronous, else async, at most this many pushes ahead
  std::chrono::milliseconds timeout{300000};
  std::chrono::milliseconds probe_interval{1000};  // liveness probes of joined replicas
};

// Serves the run until every replica finished. With `progress` (not
// owned), the live figures are set there from the replicas' records and,
// under ps, from every applied step.
void RunCoordinator(const CoordinatorOptions& options, ControlServer& server,
                    RunProgress* progress = nullptr);

}  // namespace getps
