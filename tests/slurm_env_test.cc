// ReadSlurmJob and RecordSlurmAttempt (launch/slurm_env.h): the fields of
// a job step's environment, nothing outside a job, numbers Slurm would not
// write read as unset, and one RUN/slurm.jsonl line per attempt.
#include "launch/slurm_env.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

namespace getps::cli {
namespace {

using Env = std::map<std::string, std::string>;

EnvLookup From(const Env& env) {
  return [&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
}

const Env kStep{{"SLURM_JOB_ID", "4242"},
                {"SLURM_STEP_ID", "3"},
                {"SLURM_JOB_NODELIST", "gpu[01-02]"},
                {"SLURM_RESTART_COUNT", "2"},
                {"SLURM_NTASKS", "17"},
                {"SLURM_JOB_NUM_NODES", "2"},
                {"SLURM_PROCID", "9"},
                {"SLURM_LOCALID", "0"},
                {"SLURM_GPUS_ON_NODE", "8"},
                {"SLURM_CPUS_ON_NODE", "48"},
                {"SLURM_MEM_PER_NODE", "480000"},
                {"CUDA_VISIBLE_DEVICES", "0,1,2,3,4,5,6,7"}};

TEST(ReadSlurmJob, ReadsEveryFieldOfAJobStep) {
  const SlurmJob j = ReadSlurmJob(From(kStep));
  EXPECT_TRUE(j.in_job());
  EXPECT_EQ(j.job_id, "4242");
  EXPECT_EQ(j.step_id, "3");
  EXPECT_EQ(j.node_list, "gpu[01-02]");
  EXPECT_EQ(j.restart_count, 2);
  EXPECT_EQ(j.tasks, 17);
  EXPECT_EQ(j.nodes, 2);
  EXPECT_EQ(j.proc_id, 9);
  EXPECT_EQ(j.local_id, 0);
  EXPECT_EQ(j.gpus_on_node, 8);
  EXPECT_EQ(j.cpus_on_node, 48);
  EXPECT_EQ(j.mem_per_node_mb, 480000);
  EXPECT_EQ(j.mem_per_cpu_mb, 0);
  EXPECT_EQ(j.allocated_gpus(), 16);
  EXPECT_EQ(j.visible_gpus, "0,1,2,3,4,5,6,7");
  EXPECT_EQ(j.Describe(),
            "Slurm job 4242 step 3 on gpu[01-02], requeued 2 time(s), 8 GPU(s) on this node");
}

TEST(ReadSlurmJob, OutsideAJobEverythingIsEmptyEvenWithStrayVariables) {
  const Env stray{{"SLURM_NTASKS", "4"}, {"CUDA_VISIBLE_DEVICES", "1"}};
  const SlurmJob j = ReadSlurmJob(From(stray));
  EXPECT_FALSE(j.in_job());
  EXPECT_EQ(j.tasks, 0);
  EXPECT_EQ(j.visible_gpus, "");
  EXPECT_EQ(j.Describe(), "not in a Slurm job");
}

TEST(ReadSlurmJob, TheBatchScriptHasNoStepAndBadNumbersReadAsUnset) {
  Env batch{{"SLURM_JOB_ID", "7"},
            {"SLURM_NODELIST", "vm"},
            {"SLURM_NTASKS", "abc"},
            {"SLURM_RESTART_COUNT", "-1"},
            {"SLURM_PROCID", "99999999999"}};
  const SlurmJob j = ReadSlurmJob(From(batch));
  EXPECT_EQ(j.step_id, "");
  EXPECT_EQ(j.node_list, "vm");  // the older name, when the newer is absent
  EXPECT_EQ(j.tasks, 0);
  EXPECT_EQ(j.restart_count, 0);
  EXPECT_FALSE(j.proc_id.has_value());
  EXPECT_EQ(j.allocated_gpus(), 0);
  EXPECT_EQ(j.Describe(), "Slurm job 7 on vm");
}

TEST(RecordSlurmAttempt, OneLinePerAttemptInsideAJobNoFileOutside) {
  const auto dir = std::filesystem::temp_directory_path() / "getps_slurm_env_test";
  std::filesystem::remove_all(dir);
  RecordSlurmAttempt(dir.string(), ReadSlurmJob(From({})));
  EXPECT_FALSE(std::filesystem::exists(dir / "slurm.jsonl"));
  RecordSlurmAttempt(dir.string(), ReadSlurmJob(From(kStep)));
  Env requeued = kStep;
  requeued["SLURM_RESTART_COUNT"] = "3";
  RecordSlurmAttempt(dir.string(), ReadSlurmJob(From(requeued)));
  std::ifstream in(dir / "slurm.jsonl");
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["job_id"], "4242");
  EXPECT_EQ(lines[0]["step_id"], "3");
  EXPECT_EQ(lines[0]["restart_count"], 2);
  EXPECT_EQ(lines[1]["restart_count"], 3);
  EXPECT_EQ(lines[1]["nodes"], 2);
  EXPECT_EQ(lines[1]["gpus_on_node"], 8);
  EXPECT_GT(lines[1]["started"].get<double>(), 1.7e9);
  std::filesystem::remove_all(dir);
}

TEST(RecordSlurmAttempt, AnUnwritableRunDirectoryIsAnError) {
  EXPECT_ANY_THROW(RecordSlurmAttempt("/proc/getps-no-such-run", ReadSlurmJob(From(kStep))));
}

}  // namespace
}  // namespace getps::cli
