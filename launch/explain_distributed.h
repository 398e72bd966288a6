// The two ways `getps explain` runs (explain_command.cc reads the command
// line into an ExplainRun):
// - ExplainHere: one process explains the shards its folder lacks, then
//   merges them (explain_outputs.h);
// - ExplainUnderMpi: under mpirun (or srun with PMI), rank 0 coordinates: it
//   owns the folder, hands the shards it lacks to ranks 1..N through the
//   work queue (coordinator/work_server.h), writes each shard a replica
//   returns and appends a line for it to DIR/shards.jsonl (shard, first,
//   count, by: who computed it), then merges. Each replica (on its node's
//   GPU when there is one) checks that rank 0 runs its own job, explains
//   the shards it is handed and sends them back. A replica lost mid-shard
//   (killed, hung past the heartbeat timeout) has its shard handed to
//   another; a late result of it is dropped, so each shard is written once.
//   Under OpenMPI's recovery settings the job survives a dead replica;
//   without them mpirun ends the job, and rerunning the command resumes.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "launch/explain_job.h"
#include "launch/explain_outputs.h"
#include "storage/store_reader.h"
#include "worker/gene_explainer.h"
#include "worker/model/region_model.h"

namespace getps::cli {

// One `getps explain` as its command line asked for it. `store` and
// `model` are not owned and outlive the run.
struct ExplainRun {
  const StoreReader* store = nullptr;
  RegionModel* model = nullptr;  // on the CPU; each process moves it to its device
  std::vector<GeneTask> tasks;
  std::vector<std::string> celltypes;  // the store's names, by index
  GeneExplainerOptions options;
  ExplainJobSpec spec;
  std::filesystem::path out;
  ExplainOutputOptions outputs;
  bool overwrite = false;  // clear `out` first
  bool quiet = false;
};

// Both return the process's exit status.
int ExplainHere(const ExplainRun& run);
int ExplainUnderMpi(const ExplainRun& run);

}  // namespace getps::cli
