// ServeParameterShard: ranks 1..K of `mpirun getps train --sync ps
// --servers K`, each one parameter server shard. A shard owns the slice of
// the trainable parameters the coordinator gives it (parameter_slices.h)
// and their AdamW state, and serves the replicas' pushes for that slice
// (step_exchange.h, split_norm): every replica pushes each shard the
// gradients of its slice and gets the slice's new weights back, so K
// shards carry the exchange's bytes, sums and updates in parallel.
//
// The coordinator stays the holder of the state of record. It connects as
// a client (hello body "role": "coordinator") and sends
// - kGeneration (body generation, replicas, staleness, weight_decay;
//   tensors: the slice's weights and AdamW state, tensor_frames.h): the
//   commit a generation starts from; answered kGeneration once installed,
//   so no replica of that generation pushes before it is;
// - kStale: the running generation ended; replicas waiting on a step are
//   told (kStale), and so is every later push of that generation;
// - kCheckpoint: a commit point; answered kCheckpointDone with the slice's
//   weights and AdamW state;
// - kShutdown: the run is over; ServeParameterShard returns.
// Replicas' pushes (kPushGradients, body replica, lr, clip, and sq_norm
// when asynchronous) and scale factors (kReduce op "scale") are answered as
// StepExchange says; every answer carries the shard's generation in its
// header. With the MPI data plane (`data_plane` open) a push may name MPI
// data: it is served once its gradients are in, and its weights go back
// over MPI (mpi_pushes.h).
//
// Error contract: throws Error(kTimeout) when the coordinator has not said
// hello within `timeout` or can no longer be reached (a send to it fails:
// its process ended or it missed heartbeats), Error(kInternal) on a
// coordinator message that breaks the protocol, Error(kIOError) when MPI
// fails (the data plane). A replica's push or scale
// that breaks it (a wrong step, replica index or tensor) is logged and
// answered kReject; malformed messages are logged and skipped. Heartbeats
// go out from the serving loop, so no single update or state transfer may
// take longer than the coordinator's heartbeat timeout.
#pragma once

#include <chrono>

#include "protocol/control_channel.h"
#include "protocol/mpi_data_plane.h"

namespace getps {

struct ParameterShardOptions {
  int shard = 0;  // 0..K-1, for the log
  std::chrono::milliseconds timeout{300000};
  std::chrono::milliseconds probe_interval{1000};  // the coordinator's liveness
  MpiDataPlane data_plane;                         // closed: ZeroMQ only
};

void ServeParameterShard(const ParameterShardOptions& options, ControlServer& server);

}  // namespace getps
