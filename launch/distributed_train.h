// The distributed form of `getps train` (--sync mpi|nccl|ps under mpirun): MPI
// bootstraps the run (rank 0 makes the per-run CURVE keys, writes
// RUN/run.key with mode 0600, binds the control channel and broadcasts its
// endpoint and keys), then rank 0 coordinates (coordinator/coordinator.h)
// and ranks 1..N train as replicas, each with the transport of its --sync
// (worker/mpi_transport.h, worker/ps_transport.h). With --servers K, ranks
// 1..K are parameter server shards instead
// (coordinator/parameter_shard_server.h): each binds its own endpoint with
// a key pair of its own, and rank 0 gathers endpoints and public keys; with
// the MPI data plane (--data-plane, protocol/mpi_data_plane.h) the replicas
// move their gradients and weights to and from them over MPI.
#pragma once

#include <optional>
#include <string>

#include "launch/command_line.h"
#include "protocol/control_channel.h"
#include "protocol/messages.h"
#include "protocol/mpi_data_plane.h"
#include "protocol/sync_mode.h"
#include "worker/gradient_reducer.h"
#include "worker/model/train_options.h"

namespace getps::cli {

struct DistributedOptions {
  std::optional<SyncMode> sync;       // none: one process
  std::string bind = "tcp://*:0";     // the coordinator's control endpoint
  std::string advertise;              // with a wildcard bind: the host peers reach; "": chosen
  int timeout_seconds = 300;          // any control-channel wait
  int external_workers = 0;           // ps: replicas joining with `getps worker`
  WireDtype wire = WireDtype::kFp32;  // ps: gradient dtype on the wire
  int staleness = -1;                 // ps: -1 synchronous; S >= 0 asynchronous, bound S
  int servers = 0;                    // ps: parameter server shards on ranks 1..K
  DataPlane data_plane = DataPlane::kAuto;  // ps --servers: bytes over MPI or ZeroMQ
  std::string status_bind = "127.0.0.1";    // the status server (one process, or rank 0)
  int status_port = -1;                     // -1: off
  double heartbeat_timeout_seconds = 10;    // a silent peer is dropped after this
  int min_workers = 1;                      // ps: fewer and the run waits for joiners
  double rendezvous_timeout_seconds = 120;
  int host_failures = 3;  // ps: losses within host_cooldown that keep a host out
  double host_cooldown_seconds = 300;
  double bucket_mb = kDefaultBucketMb;  // mpi, nccl: gradient bucket size
  Overlap overlap = Overlap::kAuto;     // mpi, nccl: buckets summed during backward
};

// The options above on `getps train`'s command line (with their defaults),
// and their values; Error(kInvalidArgument) for a combination --sync does
// not take (--wire bf16 without ps, ...).
void AddDistributedOptions(CommandSpec& spec);
DistributedOptions ReadDistributedOptions(const po::variables_map& vm);

// Heartbeats every third of the heartbeat timeout (at most 1 s); the
// coordinator probes its replicas as often.
Heartbeat HeartbeatOf(const DistributedOptions& options);

// Returns the process exit status (0 on every rank when the run completes).
int RunDistributedTrain(const TrainOptions& train, const DistributedOptions& options);

}  // namespace getps::cli
