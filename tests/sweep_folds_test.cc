// PlanFolds and FoldScheduler (launch/sweep_folds.h): one fold per held-out
// chromosome or cell type with its own train options (--init, --target),
// the fraction curve's fraction x start x seed, a fold with a test record
// counted as done, a failed fold retried and then reported, and never more
// folds at a time than the slots hold.
#include "launch/sweep_folds.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"

namespace getps::cli {
namespace {

namespace fs = std::filesystem;

using Args = std::vector<std::string>;

fs::path TempDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("getps_sweep_folds_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(PlanFolds, OneFoldPerHeldOutChromosomeWithTheInitAndTheTarget) {
  SweepPlan plan;
  plan.run_dir = "/runs/loco";
  plan.folds = {"chr6", "chr1"};
  plan.init = "/runs/pt";
  plan.target = Target::kAccessibility;
  const auto folds = PlanFolds(plan);
  ASSERT_EQ(folds.size(), 2u);
  EXPECT_EQ(folds[0].name, "chr6");
  EXPECT_EQ(folds[0].dir, fs::path("/runs/loco/fold-chr6"));
  EXPECT_EQ(folds[1].args,
            (Args{"--leave-out-chromosomes", "chr1", "--init", "/runs/pt", "--target", "atac"}));
}

TEST(PlanFolds, ExpressionFoldsCarryNoTargetAndCellTypeFoldsHoldOutCellTypes) {
  SweepPlan plan;
  plan.kind = SweepKind::kCelltypes;
  plan.run_dir = "/r";
  plan.folds = {"celltype_2"};
  EXPECT_EQ(PlanFolds(plan).at(0).args, (Args{"--leave-out-celltypes", "celltype_2"}));
}

TEST(PlanFolds, PeopleFoldsHoldOutFoldKOfKOfTheCohort) {
  SweepPlan plan;
  plan.kind = SweepKind::kIndividuals;
  plan.run_dir = "/r";
  plan.genotypes = "/g";
  plan.individual_folds = 3;
  const auto folds = PlanFolds(plan);
  ASSERT_EQ(folds.size(), 3u);
  EXPECT_EQ(folds[2].name, "2");
  EXPECT_EQ(folds[2].dir, fs::path("/r/fold-2"));
  EXPECT_EQ(folds[2].args, (Args{"--genotypes", "/g", "--individual-folds", "3", "--fold", "2"}));
  plan.folds = {"1"};
  EXPECT_EQ(PlanFolds(plan).size(), 1u);
  plan.folds = {"3"};
  EXPECT_THROW(PlanFolds(plan), Error);  // outside [0, K)
  plan.folds = {"x"};
  EXPECT_THROW(PlanFolds(plan), Error);
  plan.folds = {};
  plan.genotypes = "";
  EXPECT_THROW(PlanFolds(plan), Error);
}

TEST(PlanFolds, TheFractionCurveIsFractionTimesStartTimesSeed) {
  SweepPlan plan;
  plan.kind = SweepKind::kFraction;
  plan.run_dir = "/r";
  plan.fractions = {"0.1", "1"};
  plan.seeds = {"1", "2", "3"};
  EXPECT_THROW(PlanFolds(plan), Error);  // no held-out chromosomes
  plan.held_out = "chr6";
  EXPECT_EQ(PlanFolds(plan).size(), 2u * 1u * 3u);  // from scratch only
  plan.init = "/pt";
  const auto folds = PlanFolds(plan);
  ASSERT_EQ(folds.size(), 2u * 2u * 3u);
  EXPECT_EQ(folds[0].name, "f0.1-pretrained-s1");
  EXPECT_EQ(folds[0].group, "0.1,pretrained");
  EXPECT_EQ(folds[0].args, (Args{"--leave-out-chromosomes", "chr6", "--train-fraction", "0.1",
                                 "--seed", "1", "--init", "/pt"}));
  EXPECT_EQ(folds[3].name, "f0.1-scratch-s1");
}

void WriteRecords(const fs::path& dir, const std::vector<std::string>& lines) {
  fs::create_directories(dir);
  std::ofstream out(dir / "metrics.jsonl");
  for (const auto& line : lines) out << line << "\n";
}

TEST(FoldResult, TheLastTestRecordOfAFinishedRun) {
  const fs::path dir = TempDir("result");
  EXPECT_FALSE(FoldResult(dir / "none"));
  WriteRecords(dir, {R"({"kind":"train","step":1})", "not json",
                     R"({"kind":"test","pooled":{"pearson":0.5}})"});
  const auto result = FoldResult(dir);
  ASSERT_TRUE(result);
  EXPECT_EQ((*result)["pooled"]["pearson"], 0.5);
  WriteRecords(dir / "unfinished", {R"({"kind":"train","step":1})"});
  EXPECT_FALSE(FoldResult(dir / "unfinished"));
}

// A fold's "training" is a shell line: it writes a test record when it
// succeeds, and records the folds running beside it.
TEST(FoldScheduler, DoneFoldsAreSkippedFailuresRetriedThenReportedAndSlotsBound) {
  const fs::path dir = TempDir("scheduler");
  std::vector<Fold> folds;
  for (const std::string name : {"a", "b", "c", "bad"}) {
    Fold f;
    f.name = name;
    f.dir = dir / name;
    folds.push_back(f);
  }
  WriteRecords(dir / "a", {R"({"kind":"test","pooled":{"pearson":0.9}})"});
  const std::string running = (dir / "running").string();
  auto command = [&](const Fold& f) -> Args {
    if (f.name == "bad") return {"/bin/sh", "-c", "exit 3"};
    const std::string record = (f.dir / "metrics.jsonl").string();
    return {"/bin/sh", "-c",
            "mkdir " + running + " || exit 9; sleep 0.2; rmdir " + running +
                "; echo '{\"kind\":\"test\",\"pooled\":{\"pearson\":0.1}}' > " + record};
  };
  DeviceSlots slots({}, 1, 1);  // CPU, one fold at a time
  FoldScheduler scheduler(slots, 1, command);
  const SweepResults results = scheduler.Run(folds);
  ASSERT_EQ(results.done.size(), 3u);
  EXPECT_EQ(results.done[0].first, "a");  // already done: not run again
  EXPECT_EQ(results.done[0].second["pooled"]["pearson"], 0.9);
  EXPECT_EQ(results.failed, (Args{"bad"}));
  for (const std::string name : {"b", "c"}) {  // never two at a time, so never retried
    std::ifstream in(dir / name / "fold.json");
    EXPECT_EQ(nlohmann::json::parse(in)["attempt"], 1) << name;
  }
  std::ifstream record(dir / "bad" / "fold.json");
  const auto fold = nlohmann::json::parse(record);
  EXPECT_EQ(fold["attempt"], 2);  // one retry
  EXPECT_EQ(fold["status"], 3 << 8);
}

TEST(FoldLaunchPrefix, LocalFoldsRunAloneOrUnderMpirunAndJobStepsUnderSrun) {
  Fold f;
  f.name = "chr4";
  const DeviceSlots cpu({}, 1, 2), one_gpu({0, 1}, 1, 1), two_gpus({0, 1, 2, 3}, 2, 1);
  EXPECT_EQ(FoldLaunchPrefix(FoldLauncher::kLocal, f, cpu), Args{});
  EXPECT_EQ(FoldLaunchPrefix(FoldLauncher::kLocal, f, one_gpu), Args{});
  EXPECT_EQ(FoldLaunchPrefix(FoldLauncher::kLocal, f, two_gpus),
            (Args{"mpirun", "-np", "3", "--oversubscribe", "--bind-to", "none"}));
  const Args step = {"srun", "--exact", "--kill-on-bad-exit=1", "--job-name=fold-chr4"};
  auto with = [&](Args more) {
    Args a = step;
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  EXPECT_EQ(FoldLaunchPrefix(FoldLauncher::kSrun, f, cpu), with({"--ntasks=1", "--nodes=1"}));
  EXPECT_EQ(FoldLaunchPrefix(FoldLauncher::kSrun, f, one_gpu),
            with({"--ntasks=1", "--gres=gpu:1", "--nodes=1"}));
  EXPECT_EQ(FoldLaunchPrefix(FoldLauncher::kSrun, f, two_gpus, {4, 0, 0}),
            with({"--mpi=pmix", "--ntasks=3", "--gres=gpu:2", "--nodes=1", "--cpus-per-task=4"}));
  EXPECT_EQ(FoldLaunchPrefix(FoldLauncher::kSrun, f, one_gpu, {2, 1000, 0}),
            with({"--ntasks=1", "--gres=gpu:1", "--nodes=1", "--cpus-per-task=2", "--mem=1000M"}));
  EXPECT_EQ(FoldLaunchPrefix(FoldLauncher::kSrun, f, cpu, {1, 0, 512}),
            with({"--ntasks=1", "--nodes=1", "--cpus-per-task=1", "--mem-per-cpu=512M"}));
}

// A 2 x 8-GPU job, 48 CPUs and 480 GB per node.
SlurmJob TwoNodes(long mem_per_node_mb, long mem_per_cpu_mb) {
  SlurmJob j;
  j.job_id = "7";
  j.nodes = 2;
  j.gpus_on_node = 8;
  j.cpus_on_node = 48;
  j.mem_per_node_mb = mem_per_node_mb;
  j.mem_per_cpu_mb = mem_per_cpu_mb;
  return j;
}

TEST(FoldStepShare, FoldsSideBySideOnANodeShareItsCpusAndMemoryEqually) {
  std::vector<int> sixteen(16);
  for (int i = 0; i < 16; ++i) sixteen[static_cast<std::size_t>(i)] = i;
  // One GPU per fold: 8 folds per node, 6 CPUs and 60 GB each.
  const StepShare one = FoldStepShare(TwoNodes(480000, 0), DeviceSlots(sixteen, 1, 1));
  EXPECT_EQ(one.cpus_per_task, 6);
  EXPECT_EQ(one.mem_mb, 60000);
  EXPECT_EQ(one.mem_per_cpu_mb, 0);
  // Four GPUs per fold: 2 folds per node of 5 tasks each (a coordinator and
  // 4 replicas): 24 CPUs per fold, 4 per task; 240 GB per fold.
  const StepShare four = FoldStepShare(TwoNodes(480000, 0), DeviceSlots(sixteen, 4, 1));
  EXPECT_EQ(four.cpus_per_task, 4);
  EXPECT_EQ(four.mem_mb, 240000);
  // --mem-per-cpu passes through; no CPU count (outside a job): none asked.
  EXPECT_EQ(FoldStepShare(TwoNodes(0, 8000), DeviceSlots(sixteen, 1, 1)).mem_per_cpu_mb, 8000);
  const StepShare outside = FoldStepShare(SlurmJob{}, DeviceSlots({}, 1, 2));
  EXPECT_EQ(outside.cpus_per_task, 0);
  EXPECT_EQ(outside.mem_mb, 0);
}

TEST(ResolveLauncher, AutoIsSrunInsideASlurmJobOnlyAndAChoiceStands) {
  EXPECT_EQ(ResolveLauncher(FoldLauncher::kAuto, true), FoldLauncher::kSrun);
  EXPECT_EQ(ResolveLauncher(FoldLauncher::kAuto, false), FoldLauncher::kLocal);
  EXPECT_EQ(ResolveLauncher(FoldLauncher::kLocal, true), FoldLauncher::kLocal);
  EXPECT_EQ(ResolveLauncher(FoldLauncher::kSrun, false), FoldLauncher::kSrun);
  EXPECT_EQ(kFoldLaunchers.Parse("--launcher", "srun"), FoldLauncher::kSrun);
  EXPECT_THROW(kFoldLaunchers.Parse("--launcher", "pbs"), Error);
}

}  // namespace
}  // namespace getps::cli
