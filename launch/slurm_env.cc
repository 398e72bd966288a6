#include "launch/slurm_env.h"

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/wall_clock.h"

namespace getps::cli {
namespace {

std::string Text(const EnvLookup& env, const char* name) {
  const char* v = env(name);
  return v ? v : "";
}

std::optional<int> Number(const EnvLookup& env, const char* name) {
  std::uint32_t n = 0;
  const std::string text = Text(env, name);
  if (text.empty() || !ParseUint32(text, &n) || n > INT32_MAX) return std::nullopt;
  return static_cast<int>(n);
}

}  // namespace

SlurmJob ReadSlurmJob(const EnvLookup& env) {
  SlurmJob j;
  j.job_id = Text(env, "SLURM_JOB_ID");
  if (!j.in_job()) return j;
  j.step_id = Text(env, "SLURM_STEP_ID");
  j.node_list = Text(env, "SLURM_JOB_NODELIST");
  if (j.node_list.empty()) j.node_list = Text(env, "SLURM_NODELIST");
  j.restart_count = Number(env, "SLURM_RESTART_COUNT").value_or(0);
  j.tasks = Number(env, "SLURM_NTASKS").value_or(0);
  j.nodes = Number(env, "SLURM_JOB_NUM_NODES").value_or(0);
  j.proc_id = Number(env, "SLURM_PROCID");
  j.local_id = Number(env, "SLURM_LOCALID");
  j.gpus_on_node = Number(env, "SLURM_GPUS_ON_NODE").value_or(0);
  j.cpus_on_node = Number(env, "SLURM_CPUS_ON_NODE").value_or(0);
  j.mem_per_node_mb = Number(env, "SLURM_MEM_PER_NODE").value_or(0);
  j.mem_per_cpu_mb = Number(env, "SLURM_MEM_PER_CPU").value_or(0);
  j.visible_gpus = Text(env, "CUDA_VISIBLE_DEVICES");
  return j;
}

std::string SlurmJob::Describe() const {
  if (!in_job()) return "not in a Slurm job";
  std::string s = "Slurm job " + job_id;
  if (!step_id.empty()) s += " step " + step_id;
  if (!node_list.empty()) s += " on " + node_list;
  if (restart_count > 0) s += ", requeued " + std::to_string(restart_count) + " time(s)";
  if (gpus_on_node > 0) s += ", " + std::to_string(gpus_on_node) + " GPU(s) on this node";
  return s;
}

void RecordSlurmAttempt(const std::string& run_dir, const SlurmJob& job) {
  if (!job.in_job()) return;
  LogInfo(job.Describe());
  const auto path = std::filesystem::path(run_dir) / "slurm.jsonl";
  std::filesystem::create_directories(run_dir);
  const nlohmann::json line{{"job_id", job.job_id},
                            {"step_id", job.step_id},
                            {"node_list", job.node_list},
                            {"restart_count", job.restart_count},
                            {"tasks", job.tasks},
                            {"nodes", job.nodes},
                            {"gpus_on_node", job.gpus_on_node},
                            {"visible_gpus", job.visible_gpus},
                            {"started", WallClockSeconds()}};
  AppendWhole(path, line.dump() + "\n");
}

}  // namespace getps::cli
