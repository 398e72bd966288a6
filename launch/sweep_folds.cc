#include "launch/sweep_folds.h"

#include <sys/wait.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/log.h"
#include "common/wall_clock.h"
#include "launch/command_line.h"
#include "launch/spawn.h"
#include "storage/store_reader.h"

namespace getps::cli {
namespace {

namespace fs = std::filesystem;

// The transfer-learning curve: per fraction, from the checkpoint (when
// given) and from scratch, per seed.
std::vector<Fold> FractionFolds(const SweepPlan& plan) {
  if (plan.held_out.empty())
    throw Error(ErrorCode::kInvalidArgument, "sweep fraction needs --leave-out-chromosomes");
  std::vector<std::string> starts = {"scratch"};
  if (!plan.init.empty()) starts.insert(starts.begin(), "pretrained");
  std::vector<Fold> folds;
  for (const auto& fraction : plan.fractions) {
    for (const auto& start : starts) {
      for (const auto& seed : plan.seeds) {
        Fold f;
        f.name = "f" + fraction + "-" + start + "-s" + seed;
        f.group = fraction + "," + start;
        f.args = {
            "--leave-out-chromosomes", plan.held_out, "--train-fraction", fraction, "--seed", seed};
        if (start == "pretrained") f.args.insert(f.args.end(), {"--init", plan.init});
        folds.push_back(f);
      }
    }
  }
  return folds;
}

// One fold per fold of people k of K (default: every k), each holding out
// the people whose sample ID hashes to k.
std::vector<Fold> PeopleFolds(const SweepPlan& plan) {
  if (plan.genotypes.empty())
    throw Error(ErrorCode::kInvalidArgument, "sweep individuals needs --genotypes");
  if (plan.individual_folds < 2)
    throw Error(ErrorCode::kInvalidArgument, "sweep individuals: --individual-folds must be >= 2");
  std::vector<std::string> ks = plan.folds;
  if (ks.empty())
    for (int k = 0; k < plan.individual_folds; ++k) ks.push_back(std::to_string(k));
  std::vector<Fold> folds;
  for (const auto& k : ks) {
    int fold = -1;
    const auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), fold);
    if (ec != std::errc() || end != k.data() + k.size() || fold < 0 ||
        fold >= plan.individual_folds)
      throw Error(ErrorCode::kInvalidArgument, "sweep individuals: fold " + k + " is not in [0, " +
                                                   std::to_string(plan.individual_folds) + ")");
    Fold f;
    f.name = k;
    f.args = {"--genotypes",
              plan.genotypes,
              "--individual-folds",
              std::to_string(plan.individual_folds),
              "--fold",
              k};
    if (!plan.init.empty()) f.args.insert(f.args.end(), {"--init", plan.init});
    folds.push_back(f);
  }
  return folds;
}

// One fold per held-out chromosome or cell type (default: all of them).
std::vector<Fold> LeaveOneOutFolds(const SweepPlan& plan) {
  std::vector<std::string> names = plan.folds;
  if (names.empty()) {
    auto store = StoreReader::Open(plan.store);
    if (plan.kind == SweepKind::kLoco) {
      for (const auto& c : store->regions().chromosomes()) names.push_back(c.name);
    } else {
      for (const auto& ct : store->celltypes()) names.push_back(ct.name);
    }
  }
  std::vector<Fold> folds;
  for (const auto& name : names) {
    Fold f;
    f.name = name;
    f.args = {plan.kind == SweepKind::kLoco ? "--leave-out-chromosomes" : "--leave-out-celltypes",
              name};
    if (!plan.init.empty()) f.args.insert(f.args.end(), {"--init", plan.init});
    folds.push_back(f);
  }
  return folds;
}

// RUN/fold-X/fold.json: where and how the fold last ran, for the user and
// for tests of the packing.
void WriteFoldRecord(const Fold& f, const std::vector<std::string>& command,
                     nlohmann::json extra = nlohmann::json::object()) {
  extra["devices"] = f.devices;
  extra["attempt"] = f.attempts;
  extra["started"] = f.started;
  extra["command"] = command;
  WriteFileAtomically(f.dir / "fold.json", extra.dump(1) + "\n");
}

// Runs `args` with its output appended to the fold's train.log and
// CUDA_VISIBLE_DEVICES naming the fold's GPUs (in the sweep's own numbering,
// mapped through the sweep's CUDA_VISIBLE_DEVICES when it has one, e.g.
// under Slurm).
pid_t StartFold(const Fold& fold, const std::vector<std::string>& args) {
  fs::create_directories(fold.dir);
  SpawnOptions options;
  options.log_file = (fold.dir / "train.log").string();
  if (!fold.devices.empty()) {
    const char* outer = std::getenv("CUDA_VISIBLE_DEVICES");
    const std::vector<std::string> visible = outer ? SplitList(outer) : std::vector<std::string>{};
    std::string ids;
    for (int d : fold.devices) {
      const auto i = static_cast<std::size_t>(d);
      ids += (ids.empty() ? "" : ",") + (i < visible.size() ? visible[i] : std::to_string(d));
    }
    options.env.push_back("CUDA_VISIBLE_DEVICES=" + ids);
  }
  return Spawn(args, options);
}

}  // namespace

std::vector<Fold> PlanFolds(const SweepPlan& plan) {
  std::vector<Fold> folds = plan.kind == SweepKind::kFraction      ? FractionFolds(plan)
                            : plan.kind == SweepKind::kIndividuals ? PeopleFolds(plan)
                                                                   : LeaveOneOutFolds(plan);
  for (Fold& f : folds) {
    f.dir = plan.run_dir / ("fold-" + f.name);
    if (plan.target != Target::kExpression)
      f.args.insert(f.args.end(), {"--target", std::string(kTargets.Name(plan.target))});
  }
  return folds;
}

FoldLauncher ResolveLauncher(FoldLauncher launcher, bool in_slurm_job) {
  if (launcher != FoldLauncher::kAuto) return launcher;
  return in_slurm_job ? FoldLauncher::kSrun : FoldLauncher::kLocal;
}

std::vector<std::string> FoldLaunchPrefix(FoldLauncher launcher, const Fold& fold,
                                          const DeviceSlots& slots, const StepShare& share) {
  const int gpus = slots.gpus() ? slots.per_fold() : 0;
  const std::string ranks = std::to_string(gpus + 1);  // a coordinator + one replica per GPU
  if (launcher != FoldLauncher::kSrun) {
    if (gpus <= 1) return {};
    return {"mpirun", "-np", ranks, "--oversubscribe", "--bind-to", "none"};
  }
  // --exact: the step gets only what it asks for, so folds run side by side
  // in one allocation; a task that fails ends its step.
  std::vector<std::string> a = {"srun", "--exact", "--kill-on-bad-exit=1",
                                "--job-name=fold-" + fold.name};
  if (gpus > 1)
    a.insert(a.end(), {"--mpi=pmix", "--ntasks=" + ranks});
  else
    a.push_back("--ntasks=1");
  // --gres, not --gpus: Slurm 22.05 gives a step every GPU of the job for
  // --gpus (and so runs such steps one after another).
  if (gpus > 0) a.push_back("--gres=gpu:" + std::to_string(gpus));
  a.push_back("--nodes=1");  // a fold's GPUs are one node's
  if (share.cpus_per_task > 0)
    a.push_back("--cpus-per-task=" + std::to_string(share.cpus_per_task));
  if (share.mem_mb > 0)
    a.push_back("--mem=" + std::to_string(share.mem_mb) + "M");
  else if (share.mem_per_cpu_mb > 0)
    a.push_back("--mem-per-cpu=" + std::to_string(share.mem_per_cpu_mb) + "M");
  return a;
}

StepShare FoldStepShare(const SlurmJob& job, const DeviceSlots& slots) {
  const int per_node = std::max(1, slots.capacity() / std::max(1, job.nodes));
  const int gpus = slots.gpus() ? slots.per_fold() : 0;
  const int tasks = gpus > 1 ? gpus + 1 : 1;
  StepShare s;
  if (job.cpus_on_node > 0) s.cpus_per_task = std::max(1, job.cpus_on_node / per_node / tasks);
  s.mem_mb = job.mem_per_node_mb / per_node;
  s.mem_per_cpu_mb = job.mem_per_cpu_mb;
  return s;
}

std::optional<nlohmann::json> FoldResult(const fs::path& dir) {
  std::ifstream in(dir / "metrics.jsonl");
  std::string line;
  std::optional<nlohmann::json> test;
  while (std::getline(in, line)) {
    auto record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_object() && record.value("kind", "") == "test") test = record;
  }
  return test;
}

SweepResults FoldScheduler::Run(const std::vector<Fold>& folds) {
  SweepResults results;
  for (const Fold& f : folds) {
    if (auto result = FoldResult(f.dir))
      results.done.emplace_back(f.name, *result);
    else
      pending_.push_back(f);
  }
  if (!results.done.empty())
    LogInfo("sweep: " + std::to_string(results.done.size()) + " of " +
            std::to_string(folds.size()) + " folds already done");
  if (slots_.gpus())
    LogInfo("sweep: " + std::to_string(slots_.capacity()) + " fold(s) at a time, " +
            std::to_string(slots_.per_fold()) + " GPU(s) each");
  while (!pending_.empty() || !running_.empty()) {
    while (!pending_.empty()) {
      auto devices = slots_.Acquire();
      if (!devices) break;
      Fold f = pending_.front();
      pending_.erase(pending_.begin());
      f.devices = *devices;
      Start(std::move(f));
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) throw Error(ErrorCode::kIOError, "sweep: waitpid failed");
    Ended(pid, status, &results);
  }
  return results;
}

void FoldScheduler::Start(Fold f) {
  ++f.attempts;
  f.started = WallClockSeconds();
  const auto command = command_(f);
  f.pid = StartFold(f, command);
  WriteFoldRecord(f, command);
  LogInfo("sweep: fold " + f.name + " started" +
          (f.devices.empty() ? "" : " on GPU " + DeviceList(f.devices)) + " (attempt " +
          std::to_string(f.attempts) + ", log " + (f.dir / "train.log").string() + ")");
  running_.push_back(std::move(f));
}

void FoldScheduler::Ended(pid_t pid, int status, SweepResults* results) {
  for (auto it = running_.begin(); it != running_.end(); ++it) {
    if (it->pid != pid) continue;
    Fold f = *it;
    running_.erase(it);
    slots_.Release(f.devices);
    WriteFoldRecord(f, command_(f), {{"finished", WallClockSeconds()}, {"status", status}});
    const auto result = FoldResult(f.dir);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && result) {
      LogInfo("sweep: fold " + f.name + " done, Pearson " + (*result)["pooled"]["pearson"].dump());
      results->done.emplace_back(f.name, *result);
    } else if (f.attempts <= retries_) {
      LogWarning("sweep: fold " + f.name + " failed (see its train.log); retrying");
      pending_.push_back(f);
    } else {
      LogError("sweep: fold " + f.name + " failed " + std::to_string(f.attempts) +
               " times; giving up on it (see " + (f.dir / "train.log").string() + ")");
      results->failed.push_back(f.name);
    }
    return;
  }
}

}  // namespace getps::cli
