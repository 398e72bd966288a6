#include "launch/distributed_train.h"

#include <mpi.h>
#include <unistd.h>

#include <torch/cuda.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/log.h"
#include "coordinator/coordinator.h"
#include "coordinator/parameter_shard_server.h"
#include "coordinator/run_report.h"
#include "launch/status_endpoint.h"
#include "protocol/control_channel.h"
#include "protocol/run_keys.h"
#include "worker/replica_link.h"

namespace getps::cli {
namespace {

// MPI_Init/Finalize for the life of the run; MPI_Abort on an error escaping
// one rank, so the others do not wait for it forever.
class MpiSession {
 public:
  MpiSession() {
    int provided = 0;
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
      throw Error(ErrorCode::kIOError, "MPI_Init failed (run under mpirun)");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  // MPI_Finalize waits for every rank; under mpirun's recovery settings a
  // rank of a --sync ps run may have died, and the survivors would wait for
  // it forever. With a bound, the process exits with status 0 once
  // `seconds` have passed in MPI_Finalize (its work is done by then).
  void BoundFinalize(int seconds) { finalize_bound_ = seconds; }
  ~MpiSession() {
    if (finalize_bound_ > 0) {
      std::thread([seconds = finalize_bound_] {
        std::this_thread::sleep_for(std::chrono::seconds(seconds));
        std::fflush(nullptr);
        std::_Exit(0);
      }).detach();
    }
    MPI_Finalize();
  }
  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  int rank_ = 0, size_ = 1;
  int finalize_bound_ = 0;
};

std::string Broadcast(std::string text) {  // from rank 0
  int n = static_cast<int>(text.size());
  MPI_Bcast(&n, 1, MPI_INT, 0, MPI_COMM_WORLD);
  text.resize(static_cast<std::size_t>(n));
  MPI_Bcast(text.data(), n, MPI_CHAR, 0, MPI_COMM_WORLD);
  return text;
}

// tcp://0.0.0.0:PORT (a wildcard bind) -> tcp://HOSTNAME:PORT.
std::string Advertised(const std::string& endpoint) {
  const std::string wildcard = "tcp://0.0.0.0:";
  if (endpoint.rfind(wildcard, 0) != 0) return endpoint;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return "tcp://" + std::string(host) + ":" + endpoint.substr(wildcard.size());
}

// Every rank's `text` at rank 0 (elsewhere: empty), in rank order.
std::vector<std::string> GatherAtRankZero(const std::string& text, int ranks) {
  constexpr int kWidth = 1024;
  std::string mine = text;
  if (mine.size() >= kWidth) throw Error(ErrorCode::kInternal, "gathered text too long");
  mine.resize(kWidth, '\0');
  std::string all(static_cast<std::size_t>(kWidth * ranks), '\0');
  MPI_Gather(mine.data(), kWidth, MPI_CHAR, all.data(), kWidth, MPI_CHAR, 0, MPI_COMM_WORLD);
  std::vector<std::string> out;
  for (int r = 0; r < ranks; ++r)
    out.emplace_back(all.c_str() + static_cast<std::size_t>(r) * kWidth);
  return out;
}

// Where a server shard binds: loopback when the coordinator does (one
// host), else every interface (a shard may run on another host than rank
// 0), on an ephemeral port; advertised with its host name.
std::string ShardBind(const std::string& coordinator_bind) {
  const bool loopback = coordinator_bind.rfind("tcp://127.0.0.1:", 0) == 0 ||
                        coordinator_bind.rfind("tcp://localhost:", 0) == 0;
  return loopback ? "tcp://127.0.0.1:0" : "tcp://*:0";
}

// A bare "cuda": GPU (node-local replica index) mod (visible GPUs), so the
// replicas of one host spread over its GPUs; anything else as given.
std::string ReplicaDevice(const std::string& device, MPI_Comm replicas) {
  if (device != "cuda" || !torch::cuda::is_available()) return device;
  MPI_Comm node;
  MPI_Comm_split_type(replicas, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int local = 0;
  MPI_Comm_rank(node, &local);
  MPI_Comm_free(&node);
  return "cuda:" + std::to_string(local % static_cast<int>(torch::cuda::device_count()));
}

}  // namespace

int RunDistributedTrain(const TrainOptions& train, const DistributedOptions& options) {
  const SyncMode sync = SyncModeNamed(options.sync);
  MpiSession mpi;
  if (options.wire != "fp32" && options.wire != "bf16")
    throw Error(ErrorCode::kInvalidArgument,
                "--wire must be fp32 or bf16, not '" + options.wire + "'");
  if (options.wire == "bf16" && sync != SyncMode::kParameterServer)
    throw Error(ErrorCode::kInvalidArgument, "--wire bf16 needs --sync ps (MPI has no bfloat16)");
  if (options.staleness >= 0 && sync != SyncMode::kParameterServer)
    throw Error(ErrorCode::kInvalidArgument, "--staleness needs --sync ps");
  if (options.external_workers > 0 && sync != SyncMode::kParameterServer)
    throw Error(ErrorCode::kInvalidArgument, "--external-workers needs --sync ps");
  if (options.servers < 0 || (options.servers > 0 && sync != SyncMode::kParameterServer))
    throw Error(ErrorCode::kInvalidArgument, "--servers K (K >= 1) needs --sync ps");
  if (mpi.size() < 2 + options.servers)
    throw Error(
        ErrorCode::kInvalidArgument,
        "--sync " + options.sync + " needs mpirun with at least " +
            std::to_string(2 + options.servers) + " ranks (rank 0 coordinates" +
            (options.servers > 0 ? ", 1.." + std::to_string(options.servers) + " serve parameters"
                                 : std::string()) +
            ", the rest train)");
  const bool is_server = mpi.rank() >= 1 && mpi.rank() <= options.servers;
  MPI_Comm replicas = MPI_COMM_NULL;  // the training ranks (and apart: rank 0, the servers)
  MPI_Comm_split(MPI_COMM_WORLD, mpi.rank() == 0 ? 0 : is_server ? 2 : 1, mpi.rank(), &replicas);
  const std::chrono::milliseconds timeout(1000LL * options.timeout_seconds);
  // Heartbeats every third of the timeout (at most 1 s); the coordinator
  // probes its replicas as often.
  Heartbeat heartbeat;
  heartbeat.timeout = std::chrono::milliseconds(
      static_cast<std::int64_t>(1000 * std::max(0.5, options.heartbeat_timeout_seconds)));
  heartbeat.interval = std::min(std::chrono::milliseconds(1000), heartbeat.timeout / 3);
  // How the job ended, for `getps launch` (under mpirun's recovery
  // settings mpirun's exit status is always 0).
  const std::string outcome = (std::filesystem::path(train.run_dir) / "outcome.json").string();
  auto write_outcome = [&](int code, const std::string& error) {
    if (mpi.rank() != 0) return;
    try {
      WriteFileAtomically(outcome, nlohmann::json{{"status", code == 0 ? "finished" : "failed"},
                                                  {"exit_code", code},
                                                  {"error", error}}
                                           .dump() +
                                       "\n");
    } catch (const Error& e) {
      std::cerr << "getps: " << e.what() << "\n";
    }
  };
  try {
    if (mpi.rank() == 0) {
      std::filesystem::create_directories(train.run_dir);
      std::filesystem::remove(outcome);
      const std::string key_file = (std::filesystem::path(train.run_dir) / "run.key").string();
      std::filesystem::remove(key_file);  // a run's keys are its own
      const RunKeys keys = GenerateRunKeys();
      WriteRunKeys(key_file, keys);
      ControlServer server({options.bind, keys, {}, heartbeat});
      const std::string endpoint = Advertised(server.endpoint());
      LogInfo("coordinator on " + endpoint + " (key file " + key_file + "), " +
              std::to_string(mpi.size() - 1) + " mpirun replicas + " +
              std::to_string(options.external_workers) + " external, --sync " + options.sync);
      Broadcast(nlohmann::json{{"endpoint", endpoint},
                               {"server_public", keys.server_public},
                               {"client_public", keys.client_public},
                               {"client_secret", keys.client_secret}}
                    .dump());
      // --servers K: each shard's endpoint and public key.
      std::vector<ControlClientOptions> servers;
      const auto gathered = GatherAtRankZero("", mpi.size());
      for (int r = 1; r <= options.servers; ++r) {
        const auto shard = nlohmann::json::parse(gathered[static_cast<std::size_t>(r)]);
        RunKeys theirs = keys;
        theirs.server_public = shard.at("server_public");
        servers.push_back({shard.at("endpoint"), theirs, "coordinator", timeout, {}, heartbeat});
      }
      // For `getps worker --coordinator ENDPOINT --key-file RUN/run.key`.
      WriteFileAtomically(
          (std::filesystem::path(train.run_dir) / "coordinator.json").string(),
          nlohmann::json{{"endpoint", endpoint}, {"key_file", key_file}, {"pid", getpid()}}.dump() +
              "\n");
      RunProgress progress(train.run_dir);
      const auto status =
          StartStatusEndpoint(options.status_bind, options.status_port, train.run_dir, progress);
      auto ms = [](double seconds) {
        return std::chrono::milliseconds(static_cast<std::int64_t>(1000 * seconds));
      };
      GenerationOptions elastic;
      elastic.min_workers = options.min_workers;
      elastic.rendezvous_timeout = ms(options.rendezvous_timeout_seconds);
      elastic.host_failures = options.host_failures;
      elastic.host_cooldown = ms(options.host_cooldown_seconds);
      RunCoordinator(
          {train, sync, mpi.size() - 1 - options.servers, options.external_workers, servers,
           options.wire == "bf16", options.staleness, timeout, heartbeat.interval, elastic},
          server, &progress);
      LogInfo("coordinator: all replicas finished");
      WriteRunReportAtEnd(train.run_dir);
      write_outcome(0, "");
    } else {
      const auto boot = nlohmann::json::parse(Broadcast(""));
      RunKeys keys;
      keys.server_public = boot.at("server_public");
      keys.client_public = boot.at("client_public");
      keys.client_secret = boot.at("client_secret");
      if (is_server) {  // a key pair of its own; the run's clients are admitted
        const RunKeys own = GenerateRunKeys();
        keys.server_public = own.server_public;
        keys.server_secret = own.server_secret;
        ControlServer server({ShardBind(options.bind), keys, {}, heartbeat});
        const std::string endpoint = Advertised(server.endpoint());
        GatherAtRankZero(
            nlohmann::json{{"endpoint", endpoint}, {"server_public", keys.server_public}}.dump(),
            mpi.size());
        const int shard = mpi.rank() - 1;
        LogInfo("parameter server shard " + std::to_string(shard) + " on " + endpoint);
        ServeParameterShard({shard, timeout, heartbeat.interval}, server);
        LogInfo("parameter server shard " + std::to_string(shard) + ": the run is over");
        MPI_Comm_free(&replicas);
        mpi.BoundFinalize(10);
        return 0;
      }
      GatherAtRankZero("", mpi.size());
      ReplicaLinkOptions link_options;
      link_options.sync = sync;
      link_options.replicas = replicas;
      link_options.mpi_rank = mpi.rank();
      link_options.bf16_wire = options.wire == "bf16";
      link_options.control = {boot.at("endpoint"),
                              keys,
                              "replica " + std::to_string(mpi.rank()),
                              timeout,
                              {},
                              heartbeat};
      ReplicaLink link(link_options);
      TrainOptions mine = train;
      mine.progress = train.progress && link.replica() == 0;
      mine.device = ReplicaDevice(train.device, replicas);
      const TrainSummary s = Train(mine, &link);
      if (link.replica() == 0) {
        std::cout << "trained " << s.epochs << " epochs (" << s.steps << " steps) on "
                  << link.replicas() << " replicas; best validation loss " << s.best_validation_loss
                  << " in " << s.best_checkpoint << "\n";
        if (train.mode == "pretrain")
          std::cout << "held-out masked MSE " << s.test_masked_mse << "\n";
        else if (!train.leave_out_chromosomes.empty() || !train.leave_out_celltypes.empty())
          std::cout << "held-out Pearson " << s.test_pearson << "\n";
      }
    }
  } catch (const Error& e) {
    std::cerr << "getps: error (rank " << mpi.rank() << "): " << e.what() << "\n";
    write_outcome(ExitCodeFor(e.code()), e.what());
    // A ps replica the coordinator refused (its host cooling down, or the
    // run over) leaves alone; the run goes on without it.
    if (mpi.rank() > 0 && sync == SyncMode::kParameterServer && e.code() == ErrorCode::kRefused)
      std::_Exit(ExitCodeFor(e.code()));
    MPI_Abort(MPI_COMM_WORLD, ExitCodeFor(e.code()));
  } catch (const std::exception& e) {  // a library's own exception: a bug, still one line
    std::cerr << "getps: internal error (rank " << mpi.rank() << "): " << e.what() << "\n";
    write_outcome(1, e.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Comm_free(&replicas);
  if (sync == SyncMode::kParameterServer) mpi.BoundFinalize(10);
  return 0;
}

}  // namespace getps::cli
