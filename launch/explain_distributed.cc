#include "launch/explain_distributed.h"

#include <torch/cuda.h>
#include <torch/torch.h>
#include <cstdint>

#include <cstdlib>
#include <iostream>

#include "common/error.h"
#include "common/host_name.h"
#include "common/log.h"
#include "common/progress.h"
#include "coordinator/work_server.h"
#include "launch/distributed_train.h"
#include "launch/mpi_session.h"
#include "worker/model/tensor_frames.h"
#include "worker/work_replica.h"

namespace getps::cli {
namespace {

namespace fs = std::filesystem;

std::vector<GeneTask> Part(const std::vector<GeneTask>& tasks, std::size_t first,
                           std::size_t count) {
  return {tasks.begin() + static_cast<std::ptrdiff_t>(first),
          tasks.begin() + static_cast<std::ptrdiff_t>(first + count)};
}

std::vector<TensorFrame> Frames(const GeneExplanations& e) {
  const auto arrays = e.Arrays();
  std::vector<TensorFrame> out;
  for (std::size_t i = 0; i < arrays.size(); ++i)
    out.push_back(FrameOf(GeneExplanations::kArrayNames[i], arrays[i]));
  return out;
}

// Throws Error(kFormatMismatch) naming `who` when a frame is missing.
GeneExplanations Explanations(const std::vector<TensorFrame>& frames, const std::string& who) {
  const auto& names = GeneExplanations::kArrayNames;
  std::array<torch::Tensor, GeneExplanations::kArrays> t;
  for (const auto& f : frames)
    for (std::size_t i = 0; i < t.size(); ++i)
      if (f.name == names[i]) t[i] = TensorOf(f);
  for (std::size_t i = 0; i < t.size(); ++i)
    if (!t[i].defined())
      throw Error(ErrorCode::kFormatMismatch,
                  who + "'s result lacks its " + std::string(names[i]) + " array");
  return GeneExplanations::FromArrays(t);
}

// The shards of `job` not in its folder yet; says so when some are.
std::vector<std::size_t> ShardsToDo(const ExplainJob& job, bool quiet) {
  std::vector<std::size_t> todo;
  for (std::size_t k = 0; k < job.shards(); ++k)
    if (!job.HasShard(k)) todo.push_back(k);
  if (!quiet && todo.size() < job.shards())
    std::cerr << "getps explain: resuming " << job.dir().string() << ": "
              << job.shards() - todo.size() << " of " << job.shards() << " shards already done\n";
  return todo;
}

std::int64_t TasksIn(const ExplainJob& job, const std::vector<std::size_t>& shards) {
  std::int64_t n = 0;
  for (const auto k : shards) n += static_cast<std::int64_t>(job.ShardCount(k));
  return n;
}

ExplainJob OpenJob(const ExplainRun& run) {
  if (run.overwrite) fs::remove_all(run.out);
  return ExplainJob(run.out, run.spec, run.tasks, run.celltypes, *run.store);
}

int Finish(const ExplainRun& run, const ExplainJob& job, std::size_t computed,
           const std::string& where) {
  WriteExplainOutputs(job, run.tasks, run.celltypes, *run.store, run.outputs);
  std::cout << "explained " << run.tasks.size() << " genes x cell types into " << run.out.string()
            << " (" << computed << " of " << job.shards() << " shards computed now" << where
            << ")\n";
  return 0;
}

// Rank 0: the folder, the work queue, the merge.
int Coordinate(const ExplainRun& run, int ranks) {
  const ExplainJob job = OpenJob(run);
  const auto todo = ShardsToDo(job, run.quiet);
  const DistributedOptions defaults;
  const RunKeys keys = GenerateRunKeys();
  const Heartbeat heartbeat = HeartbeatOf(defaults);
  ControlServer server({defaults.bind, keys, {}, heartbeat});
  BroadcastCoordinator({Advertise(server, defaults.advertise, "explain coordinator"), keys});

  WorkServerOptions o;
  o.job = ExplainJobJson(run.spec);
  o.tasks = run.tasks.size();
  o.timeout = std::chrono::seconds(defaults.timeout_seconds);
  o.probe_interval = heartbeat.interval;
  o.replicas = static_cast<std::size_t>(ranks - 1);
  std::vector<WorkItem> items;
  for (const auto k : todo) items.push_back({job.ShardFirst(k), job.ShardCount(k)});
  ProgressMeter progress("explain", TasksIn(job, todo), "genes", !run.quiet);
  const WorkAudit audit =
      ServeWork(o, server, items, [&](const WorkItem& item, const WorkResult& r, const auto& who) {
        const std::size_t k = item.first / run.spec.shard_genes;
        job.WriteShard(k, Explanations(r.tensors, who));
        job.RecordShard(k, who);
        progress.Advance(static_cast<std::int64_t>(item.count));
      });
  progress.Finish();
  LogInfo("explain coordinator: " + std::to_string(audit.results) + " shards from " +
          std::to_string(audit.replicas) + " replicas, " + std::to_string(audit.taken_back) +
          " handed out again, " + std::to_string(audit.dropped) + " late results dropped");
  return Finish(run, job, todo.size(),
                " by " + std::to_string(ranks - 1) + " replicas" +
                    (audit.lost.empty() ? std::string()
                                        : ", " + std::to_string(audit.lost.size()) + " lost"));
}

// Ranks 1..N: explain what rank 0 hands out.
void Replicate(const ExplainRun& run, MPI_Comm replicas, int rank) {
  const CoordinatorAddress address = BroadcastCoordinator({});
  const DistributedOptions defaults;
  const torch::Device device =
      ReplicaDevice(torch::cuda::is_available() ? torch::kCUDA : torch::kCPU, replicas);
  run.model->module().to(device);
  GeneExplainer explainer(*run.model, *run.store, device, run.options);
  WorkReplicaOptions o;
  o.control = {address.endpoint,
               address.keys,
               "replica " + std::to_string(rank),
               std::chrono::seconds(defaults.timeout_seconds),
               {},
               HeartbeatOf(defaults)};
  o.hello.host = HostName();
  o.hello.mpi_rank = rank;
  o.job = ExplainJobJson(run.spec);
  o.tasks = run.tasks.size();
  o.item_size = run.spec.shard_genes;
  const std::size_t done = RunWorkReplica(o, [&](const ShardGrant& g) {
    return Frames(explainer.Explain(Part(run.tasks, g.first, g.count)));
  });
  LogInfo("replica " + std::to_string(rank) + ": explained " + std::to_string(done) + " shards");
}

}  // namespace

int ExplainHere(const ExplainRun& run) {
  const ExplainJob job = OpenJob(run);
  const auto todo = ShardsToDo(job, run.quiet);
  const torch::Device device = torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
  run.model->module().to(device);
  GeneExplainer explainer(*run.model, *run.store, device, run.options);
  ProgressMeter progress("explain", TasksIn(job, todo), "genes", !run.quiet);
  for (const auto k : todo) {
    job.WriteShard(k, explainer.Explain(Part(run.tasks, job.ShardFirst(k), job.ShardCount(k))));
    job.RecordShard(k, "this process");
    progress.Advance(static_cast<std::int64_t>(job.ShardCount(k)));
  }
  progress.Finish();
  return Finish(run, job, todo.size(), "");
}

int ExplainUnderMpi(const ExplainRun& run) {
  MpiSession mpi;
  if (mpi.size() == 1) return ExplainHere(run);
  MPI_Comm replicas = MPI_COMM_NULL;  // ranks 1..N (rank 0 apart)
  MPI_Comm_split(MPI_COMM_WORLD, mpi.rank() == 0 ? 0 : 1, mpi.rank(), &replicas);
  int status = 0;
  try {
    if (mpi.rank() == 0)
      status = Coordinate(run, mpi.size());
    else
      Replicate(run, replicas, mpi.rank());
  } catch (const Error& e) {
    std::cerr << "getps: error (rank " << mpi.rank() << "): " << e.what() << "\n";
    // A replica leaves alone: rank 0 hands its shard to another. Rank 0's
    // error ends the job (what is written stays: rerun to resume).
    if (mpi.rank() > 0) std::_Exit(ExitCodeFor(e.code()));
    MPI_Abort(MPI_COMM_WORLD, ExitCodeFor(e.code()));
  } catch (const std::exception& e) {  // a library's own exception: a bug, still one line
    std::cerr << "getps: internal error (rank " << mpi.rank() << "): " << e.what() << "\n";
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Comm_free(&replicas);
  mpi.BoundFinalize(10);  // a lost replica never reaches MPI_Finalize
  return status;
}

}  // namespace getps::cli
