#include "launch/distributed_train.h"

#include <mpi.h>
#include <unistd.h>
#include <cstdint>

#include <torch/cuda.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/host_name.h"
#include "common/log.h"
#include "coordinator/coordinator.h"
#include "coordinator/parameter_shard_server.h"
#include "launch/advertised_endpoint.h"
#include "launch/mpi_session.h"
#include "launch/report/run_report.h"
#include "launch/slurm_env.h"
#include "launch/status_endpoint.h"
#include "protocol/control_channel.h"
#include "protocol/run_keys.h"
#include "worker/mpi_transport.h"
#ifdef GETPS_NCCL
#include "worker/nccl_transport.h"
#endif
#include "worker/ps_transport.h"
#include "worker/trainer.h"

namespace getps::cli {
namespace {

// What every rank needs to know of the run, from rank 0.
struct Bootstrap {
  std::string endpoint;  // the coordinator's
  RunKeys keys;          // its public key and the run's client keys
  Heartbeat heartbeat;
  std::chrono::milliseconds timeout;
};

std::chrono::milliseconds Milliseconds(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(1000 * seconds));
}

Bootstrap Timing(const DistributedOptions& options) {
  Bootstrap b;
  b.timeout = std::chrono::milliseconds(1000LL * options.timeout_seconds);
  b.heartbeat = HeartbeatOf(options);
  return b;
}

// --servers K: each shard's endpoint and public key, gathered at rank 0.
std::vector<ControlClientOptions> GatherShards(const Bootstrap& b, int servers, int ranks) {
  std::vector<ControlClientOptions> out;
  const auto gathered = GatherAtRankZero("", ranks);
  for (int r = 1; r <= servers; ++r) {
    const auto shard = nlohmann::json::parse(gathered[static_cast<std::size_t>(r)]);
    RunKeys theirs = b.keys;
    theirs.server_public = shard.at("server_public");
    out.push_back({shard.at("endpoint"), theirs, "coordinator", b.timeout, {}, b.heartbeat});
  }
  return out;
}

void CoordinateRank(const TrainOptions& train, const DistributedOptions& options, int ranks,
                    bool mpi_data_plane) {
  std::filesystem::create_directories(train.run_dir);
  RecordSlurmAttempt(train.run_dir);
  const std::string key_file = (std::filesystem::path(train.run_dir) / "run.key").string();
  std::filesystem::remove(key_file);  // a run's keys are its own
  Bootstrap b = Timing(options);
  b.keys = GenerateRunKeys();
  WriteRunKeys(key_file, b.keys);
  ControlServer server({options.bind, b.keys, {}, b.heartbeat});
  const std::string endpoint = Advertise(server, options.advertise, "coordinator");
  LogInfo("coordinator on " + endpoint + " (key file " + key_file + "), " +
          std::to_string(ranks - 1) + " mpirun replicas + " +
          std::to_string(options.external_workers) + " external, --sync " +
          WireName(*options.sync));
  BroadcastCoordinator({endpoint, b.keys});
  CoordinatorOptions c;
  c.servers = GatherShards(b, options.servers, ranks);
  // For `getps worker --coordinator ENDPOINT --key-file RUN/run.key`.
  WriteFileAtomically(
      (std::filesystem::path(train.run_dir) / "coordinator.json").string(),
      nlohmann::json{
          {"endpoint", endpoint}, {"key_file", key_file}, {"pid", getpid()}, {"host", HostName()}}
              .dump() +
          "\n");
  RunProgress progress(train.run_dir);
  const auto status =
      StartStatusEndpoint(options.status_bind, options.status_port, train.run_dir, progress);
  c.train = train;
  c.sync = *options.sync;
  c.mpi_replicas = ranks - 1 - options.servers;
  c.external = options.external_workers;
  c.wire = options.wire;
  c.mpi_data_plane = mpi_data_plane;
  if (mpi_data_plane)
    LogInfo("coordinator: the job's replicas move gradients and weights to and from the " +
            std::to_string(options.servers) + " shard(s) over MPI (--data-plane " +
            kDataPlanes.Name(options.data_plane) + ")");
  c.staleness = options.staleness;
  c.timeout = b.timeout;
  c.probe_interval = b.heartbeat.interval;
  c.elastic.min_workers = options.min_workers;
  c.elastic.rendezvous_timeout = Milliseconds(options.rendezvous_timeout_seconds);
  c.elastic.host_failures = options.host_failures;
  c.elastic.host_cooldown = Milliseconds(options.host_cooldown_seconds);
  RunCoordinator(c, server, &progress);
  LogInfo("coordinator: all replicas finished");
  WriteRunReportAtEnd(train.run_dir);
}

Bootstrap ReceiveBootstrap(const DistributedOptions& options) {
  Bootstrap b = Timing(options);
  const auto address = BroadcastCoordinator({});
  b.endpoint = address.endpoint;
  b.keys = address.keys;
  return b;
}

// A key pair of its own; the run's clients are admitted.
void ServeRank(const Bootstrap& boot, const DistributedOptions& options, const MpiSession& mpi,
               const MpiDataPlane& plane) {
  RunKeys keys = boot.keys;
  const RunKeys own = GenerateRunKeys();
  keys.server_public = own.server_public;
  keys.server_secret = own.server_secret;
  ControlServer server({ShardBind(options.bind), keys, {}, boot.heartbeat});
  // Not --advertise: that names the coordinator's host, and a shard may run on another.
  const std::string endpoint =
      Advertise(server, "", "parameter server shard " + std::to_string(mpi.rank() - 1));
  GatherAtRankZero(
      nlohmann::json{{"endpoint", endpoint}, {"server_public", keys.server_public}}.dump(),
      mpi.size());
  const int shard = mpi.rank() - 1;
  ServeParameterShard({shard, boot.timeout, boot.heartbeat.interval, plane}, server);
  LogInfo("parameter server shard " + std::to_string(shard) + ": the run is over");
}

// The transport of this rank's --sync.
std::unique_ptr<Transport> MakeTransport(const DistributedOptions& options,
                                         const ControlClientOptions& control, MPI_Comm replicas,
                                         int mpi_rank, const MpiDataPlane& plane) {
  GradientReducerOptions buckets;
  buckets.bucket_bytes = static_cast<std::int64_t>(options.bucket_mb * (1 << 20));
  const MpiTransportOptions mpi{replicas, mpi_rank, control, buckets, options.overlap};
  switch (*options.sync) {
    case SyncMode::kMpi:
      return std::make_unique<MpiTransport>(mpi);
    case SyncMode::kParameterServer:
      return std::make_unique<PsTransport>(PsTransportOptions{mpi_rank, control, plane});
    case SyncMode::kNccl:
#ifdef GETPS_NCCL
      return std::make_unique<NcclTransport>(
          mpi, options.wire == WireDtype::kBf16 ? torch::kBFloat16 : torch::kFloat32);
#else
      break;  // refused by ReadDistributedOptions
#endif
  }
  throw Error(ErrorCode::kInternal, "no transport for this --sync");
}

void TrainRank(const TrainOptions& train, const Bootstrap& boot, const DistributedOptions& options,
               MPI_Comm replicas, int mpi_rank, const MpiDataPlane& plane) {
  const ControlClientOptions control{
      boot.endpoint, boot.keys, "replica " + std::to_string(mpi_rank),
      boot.timeout,  {},        boot.heartbeat};
  const auto transport = MakeTransport(options, control, replicas, mpi_rank, plane);
  TrainOptions mine = train;
  mine.progress = train.progress && transport->replica() == 0;
  mine.device = ReplicaDevice(train.device, replicas);
  const TrainSummary s = Train(mine, transport.get());
  if (transport->replica() != 0) return;
  std::cout << "trained " << s.epochs << " epochs (" << s.steps << " steps) on "
            << transport->replicas() << " replicas; best validation loss " << s.best_validation_loss
            << " in " << s.best_checkpoint << "\n";
  if (train.pretraining())
    std::cout << "held-out masked MSE " << s.test_masked_mse << "\n";
  else if (!train.leave_out_chromosomes.empty() || !train.leave_out_celltypes.empty())
    std::cout << "held-out Pearson " << s.test_pearson << "\n";
}

// How the job ended, for `getps launch` (under mpirun's recovery settings
// mpirun's exit status is always 0).
void WriteOutcome(const std::string& path, int code, const std::string& error) {
  try {
    WriteFileAtomically(path, nlohmann::json{{"status", code == 0 ? "finished" : "failed"},
                                             {"exit_code", code},
                                             {"error", error}}
                                      .dump() +
                                  "\n");
  } catch (const Error& e) {
    std::cerr << "getps: " << e.what() << "\n";
  }
}

// --sync ps --servers K: the MPI data plane where asked for, or (auto)
// where this MPI's tags carry it (collective; every rank decides alike).
MpiDataPlane MaybeOpenMpiDataPlane(const DistributedOptions& options) {
  if (*options.sync != SyncMode::kParameterServer || options.servers == 0 ||
      options.data_plane == DataPlane::kZmq)
    return {};
  if (options.data_plane == DataPlane::kAuto && !MpiTagsSuffice()) {
    LogWarning(
        "--data-plane auto: this MPI's tags stop below 2^30, so gradients and weights "
        "go over ZeroMQ");
    return {};
  }
  return OpenMpiDataPlane();
}

}  // namespace

Heartbeat HeartbeatOf(const DistributedOptions& options) {
  Heartbeat h;
  h.timeout = Milliseconds(std::max(0.5, options.heartbeat_timeout_seconds));
  h.interval = std::min(std::chrono::milliseconds(1000), h.timeout / 3);
  return h;
}

int RunDistributedTrain(const TrainOptions& train, const DistributedOptions& options) {
  const SyncMode sync = *options.sync;
  const int needed = 2 + options.servers;
  const Error too_few(
      ErrorCode::kInvalidArgument,
      std::string("--sync ") + WireName(sync) + " needs mpirun with at least " +
          std::to_string(needed) + " ranks (rank 0 coordinates" +
          (options.servers > 0 ? ", 1.." + std::to_string(options.servers) + " serve parameters"
                               : std::string()) +
          ", the rest train)");
  // Without a launcher MPI_Init would start a one-rank world (slowly, and
  // OpenMPI's singleton leaves allocations behind) only to be refused; srun
  // without an MPI plugin starts N such one-rank worlds.
  if (!StartedByMpiLauncher()) {
    const SlurmJob slurm = ReadSlurmJob();
    if (!slurm.step_id.empty() && slurm.tasks > 1)
      throw Error(ErrorCode::kInvalidArgument,
                  "srun started " + std::to_string(slurm.tasks) +
                      " tasks without an MPI plugin, so each would be a job of its own: run "
                      "`srun --mpi=pmix`, or mpirun inside the allocation");
    throw too_few;
  }
  MpiSession mpi;
  if (mpi.size() < needed) throw too_few;
  const bool is_server = mpi.rank() >= 1 && mpi.rank() <= options.servers;
  MPI_Comm replicas = MPI_COMM_NULL;  // the training ranks (and apart: rank 0, the servers)
  MPI_Comm_split(MPI_COMM_WORLD, mpi.rank() == 0 ? 0 : is_server ? 2 : 1, mpi.rank(), &replicas);
  const std::string outcome = (std::filesystem::path(train.run_dir) / "outcome.json").string();
  try {
    const MpiDataPlane plane = MaybeOpenMpiDataPlane(options);
    if (mpi.rank() == 0) {
      std::filesystem::remove(outcome);
      CoordinateRank(train, options, mpi.size(), plane.open());
      WriteOutcome(outcome, 0, "");
    } else {
      const Bootstrap boot = ReceiveBootstrap(options);
      if (is_server) {
        ServeRank(boot, options, mpi, plane);
        MPI_Comm_free(&replicas);
        mpi.BoundFinalize(10);
        return 0;
      }
      GatherAtRankZero("", mpi.size());
      TrainRank(train, boot, options, replicas, mpi.rank(), plane);
    }
  } catch (const Error& e) {
    std::cerr << "getps: error (rank " << mpi.rank() << "): " << e.what() << "\n";
    if (mpi.rank() == 0) WriteOutcome(outcome, ExitCodeFor(e.code()), e.what());
    // A ps replica the coordinator refused (its host cooling down, or the
    // run over) leaves alone; the run goes on without it.
    if (mpi.rank() > 0 && sync == SyncMode::kParameterServer && e.code() == ErrorCode::kRefused)
      std::_Exit(ExitCodeFor(e.code()));
    MPI_Abort(MPI_COMM_WORLD, ExitCodeFor(e.code()));
  } catch (const std::exception& e) {  // a library's own exception: a bug, still one line
    std::cerr << "getps: internal error (rank " << mpi.rank() << "): " << e.what() << "\n";
    if (mpi.rank() == 0) WriteOutcome(outcome, 1, e.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Comm_free(&replicas);
  if (sync == SyncMode::kParameterServer) mpi.BoundFinalize(10);
  return 0;
}

}  // namespace getps::cli
