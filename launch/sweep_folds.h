// The folds of a sweep (`getps sweep`, sweep_command.cc): which fine-tunings
// it is made of (PlanFolds: one per held-out chromosome or cell type, or the
// transfer-learning curve's fraction x start x seed), and the scheduler
// that runs them as `getps train` child processes packed onto the
// allocation's GPUs or CPU slots (device_slots.h), skipping folds already
// done, retrying failed ones while the others go on.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/enum_names.h"
#include "launch/device_slots.h"
#include "launch/slurm_env.h"
#include "worker/model/train_options.h"

namespace getps::cli {

enum class SweepKind { kLoco, kCelltypes, kFraction, kIndividuals };
inline constexpr EnumNames<SweepKind, 4> kSweepKinds{{{{SweepKind::kLoco, "loco"},
                                                       {SweepKind::kCelltypes, "celltypes"},
                                                       {SweepKind::kFraction, "fraction"},
                                                       {SweepKind::kIndividuals, "individuals"}}}};

// How a fold's processes start: as children of the sweep (one process, or
// mpirun for a fold of several GPUs), or as a Slurm job step of the
// allocation the sweep runs in (srun; --mpi=pmix for several GPUs), which
// Slurm places, accounts and signals. auto: srun inside a Slurm job.
enum class FoldLauncher { kAuto, kLocal, kSrun };
inline constexpr EnumNames<FoldLauncher, 3> kFoldLaunchers{{{{FoldLauncher::kAuto, "auto"},
                                                             {FoldLauncher::kLocal, "local"},
                                                             {FoldLauncher::kSrun, "srun"}}}};

struct Fold {
  std::string name;
  std::filesystem::path dir;      // RUN/fold-NAME
  std::vector<std::string> args;  // its own `getps train` options
  std::string group;              // fraction sweeps: "FRACTION,START"
  int attempts = 0;
  pid_t pid = -1;
  std::vector<int> devices;  // its GPUs while it runs (empty on CPU)
  double started = 0;        // wall-clock seconds
};

struct SweepPlan {
  SweepKind kind = SweepKind::kLoco;
  std::string store;
  std::filesystem::path run_dir;
  std::string init;                           // a pretrained checkpoint, or none
  Target target = Target::kExpression;        // fine-tuning's --target
  std::vector<std::string> folds;             // held out (empty: all of the store's)
  std::vector<std::string> fractions, seeds;  // fraction sweeps
  std::string held_out;                       // fraction sweeps: the held-out chromosomes
  std::string genotypes;                      // individuals: the cohort (train --genotypes)
  int individual_folds = 5;                   // individuals: K (folds by sample-ID hash)
};

// The folds, in the order of the sweep's table: one per held-out
// chromosome, cell type or people fold k of K (named "fold-k"), or the
// fraction curve's. Throws Error(kInvalidArgument) for a fraction sweep
// without held-out chromosomes, an individuals sweep without genotypes or
// with a fold outside [0, K).
std::vector<Fold> PlanFolds(const SweepPlan& plan);

// `launcher` with auto resolved: srun when `in_slurm_job`, else local.
FoldLauncher ResolveLauncher(FoldLauncher launcher, bool in_slurm_job);

// A job step's share of its node: with --exact a step gets only what it
// asks for (one CPU per task, and with memory enforced all the node's
// memory the job has, which keeps the next fold's step waiting). Each of
// the folds that run side by side on a node gets an equal part of the
// job's CPUs and memory there. Zero: not asked for.
struct StepShare {
  int cpus_per_task = 0;
  long mem_mb = 0;          // --mem (the job gave --mem)
  long mem_per_cpu_mb = 0;  // --mem-per-cpu (the job gave --mem-per-cpu)
};
StepShare FoldStepShare(const SlurmJob& job, const DeviceSlots& slots);

// What comes before `getps train` on a fold's command line: nothing for a
// local one-process fold; `mpirun -np G+1 ...` for a local fold of G > 1
// GPUs; `srun --exact ... --job-name fold-NAME` (with --gres=gpu:G, and
// --mpi=pmix -n G+1 when G > 1; then --nodes=1 and `share`) for a job step.
// `launcher` is resolved.
std::vector<std::string> FoldLaunchPrefix(FoldLauncher launcher, const Fold& fold,
                                          const DeviceSlots& slots, const StepShare& share = {});

// The fold's test record, if its run finished.
std::optional<nlohmann::json> FoldResult(const std::filesystem::path& dir);

// Per finished fold: its name and test record; and the folds that failed
// every attempt.
struct SweepResults {
  std::vector<std::pair<std::string, nlohmann::json>> done;
  std::vector<std::string> failed;
};

class FoldScheduler {
 public:
  // `command(fold)`: the fold's whole command line. `slots` outlives this.
  using Command = std::function<std::vector<std::string>(const Fold&)>;
  FoldScheduler(DeviceSlots& slots, int retries, Command command)
      : slots_(slots), retries_(retries), command_(std::move(command)) {}

  // Runs every fold not done yet, as many at a time as the slots hold;
  // returns once all are done or failed. Throws Error(kIOError) when
  // waiting for a child fails.
  SweepResults Run(const std::vector<Fold>& folds);

 private:
  void Start(Fold f);
  // The child `pid` ended with `status`: done, retried, or given up on.
  void Ended(pid_t pid, int status, SweepResults* results);

  DeviceSlots& slots_;
  int retries_;
  Command command_;
  std::vector<Fold> pending_, running_;
};

}  // namespace getps::cli
