// SlurmJob: what Slurm tells a process of a job through its environment
// (sbatch's batch script, srun's tasks), read where getps needs it: the
// run's record of where it ran (RUN/slurm.jsonl), the sweep's choice of
// srun job steps, and a clear refusal of `srun` without an MPI plugin.
// Outside a job every field is empty or zero. Thread safety: plain data.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>

namespace getps::cli {

struct SlurmJob {
  std::string job_id;           // SLURM_JOB_ID; empty: not inside a Slurm job
  std::string step_id;          // SLURM_STEP_ID; empty in the batch script itself
  std::string node_list;        // SLURM_JOB_NODELIST, e.g. "gpu[01-02]"
  int restart_count = 0;        // SLURM_RESTART_COUNT: how often the job was requeued
  int tasks = 0;                // SLURM_NTASKS (0: not given)
  int nodes = 0;                // SLURM_JOB_NUM_NODES
  std::optional<int> proc_id;   // SLURM_PROCID: this task's rank in its step
  std::optional<int> local_id;  // SLURM_LOCALID: its rank on this node
  int gpus_on_node = 0;         // SLURM_GPUS_ON_NODE
  int cpus_on_node = 0;         // SLURM_CPUS_ON_NODE: the job's CPUs on this node
  long mem_per_node_mb = 0;     // SLURM_MEM_PER_NODE (--mem), 0: not given
  long mem_per_cpu_mb = 0;      // SLURM_MEM_PER_CPU (--mem-per-cpu), 0: not given
  std::string visible_gpus;     // CUDA_VISIBLE_DEVICES as Slurm set it

  bool in_job() const { return !job_id.empty(); }
  // The GPUs of the whole allocation, assuming every node has as many as
  // this one (Slurm's --gpus-per-node): what steps can be given.
  int allocated_gpus() const { return gpus_on_node * std::max(1, nodes); }
  // "Slurm job 12 step 3 on gpu[01-02], requeued 1 time(s), 8 GPU(s) on this node".
  std::string Describe() const;
};

// Looks a variable up: its value, or nullptr when unset (std::getenv).
using EnvLookup = std::function<const char*(const char*)>;

// The job this process runs in. A number Slurm would never write
// (e.g. SLURM_NTASKS=abc) reads as unset.
SlurmJob ReadSlurmJob(const EnvLookup& env = [](const char* n) { return std::getenv(n); });

// Inside a job: logs job.Describe() and appends one line for this attempt
// of the run to RUN/slurm.jsonl (job, step, restart count, nodes, GPUs,
// wall-clock start); outside one, nothing. Throws Error(kIOError) when the
// file cannot be written.
void RecordSlurmAttempt(const std::string& run_dir, const SlurmJob& job = ReadSlurmJob());

}  // namespace getps::cli
