// `getps sweep loco|celltypes|fraction|individuals`: one fine-tuning per
// held-out chromosome (or cell type, or fold of people), each a `getps train` child process in
// RUN/fold-NAME, run
// `--parallel` at a time; resumable and tolerant of failed folds; ends with
// a per-fold table (RUN/sweep.csv, RUN/sweep.md).
#include <sys/wait.h>
#include <unistd.h>

#include <torch/cuda.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/json_number.h"
#include "common/log.h"
#include "common/wall_clock.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/device_slots.h"
#include "launch/report/run_report.h"
#include "launch/slurm_env.h"
#include "launch/sweep_folds.h"
#include "storage/store_reader.h"
#include "worker/model/train_options.h"

namespace getps::cli {
namespace {

namespace fs = std::filesystem;

// Mean, min and max of a list (0, +inf, -inf when it is empty).
struct Spread {
  double mean = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
};

Spread SpreadOf(const std::vector<double>& xs) {
  Spread s;
  for (double x : xs) {
    s.mean += x / static_cast<double>(xs.size());
    s.min = std::min(s.min, x);
    s.max = std::max(s.max, x);
  }
  return s;
}

// The transfer-learning curve: per (fraction, start), Pearson over seeds.
void WriteCurve(const fs::path& run_dir, const std::vector<Fold>& folds,
                const std::vector<std::pair<std::string, nlohmann::json>>& done) {
  std::map<std::string, std::vector<double>> by_group;
  std::vector<std::string> order;
  for (const auto& f : folds) {
    if (!by_group.count(f.group)) order.push_back(f.group);
    by_group[f.group];
    for (const auto& [name, record] : done)
      if (name == f.name) by_group[f.group].push_back(NumberOr(record["pooled"], "pearson"));
  }
  std::ofstream csv(run_dir / "curve.csv"), md(run_dir / "curve.md");
  csv << "fraction,start,seeds,pearson_mean,pearson_min,pearson_max\n";
  md << "| fraction | start | seeds | Pearson mean | min | max |\n| --- | --- | --- | --- | --- | "
        "--- |\n";
  char line[256];
  for (const auto& group : order) {
    const auto& v = by_group[group];
    if (v.empty()) continue;
    const Spread spread = SpreadOf(v);
    const auto comma = group.find(',');
    const std::string fraction = group.substr(0, comma), start = group.substr(comma + 1);
    csv << group << "," << v.size() << "," << spread.mean << "," << spread.min << "," << spread.max
        << "\n";
    std::snprintf(line, sizeof line, "| %s | %s | %zu | %.3f | %.3f | %.3f |\n", fraction.c_str(),
                  start.c_str(), v.size(), spread.mean, spread.min, spread.max);
    md << line;
  }
}

// One column of the sweep table: a metric of the test record's `group`
// ("pooled": getps's definition; "reference_tss": the reference's
// eval_tss, both strands of every TSS region).
struct Column {
  const char* csv;
  const char* md;
  const char* group;
  const char* metric;
};

// RUN/sweep.csv and RUN/sweep.md from the folds' test records: n, Pearson,
// Spearman, R² per fold (and by the reference's definition when the
// records have it), then their mean, min and max.
void WriteTable(const fs::path& run_dir, const std::string& by,
                const std::vector<std::pair<std::string, nlohmann::json>>& rows) {
  std::vector<Column> columns = {{"pearson", "Pearson", "pooled", "pearson"},
                                 {"spearman", "Spearman", "pooled", "spearman"},
                                 {"r2", "R²", "pooled", "r2"}};
  if (!rows.empty() && rows.front().second.contains("across_people"))
    columns.push_back({"median_pearson_across_people", "median Pearson across people",
                       "across_people", "median_pearson"});
  if (!rows.empty() && rows.front().second.contains("reference_tss"))
    columns.insert(
        columns.end(),
        {{"pearson_reference_tss", "Pearson (reference eval_tss)", "reference_tss", "pearson"},
         {"spearman_reference_tss", "Spearman (ref.)", "reference_tss", "spearman"},
         {"r2_reference_tss", "R² (ref.)", "reference_tss", "r2"}});
  std::ofstream csv(run_dir / "sweep.csv"), md(run_dir / "sweep.md");
  csv << by << ",n";
  md << "| " << by << " | n |";
  for (const auto& c : columns) {
    csv << "," << c.csv;
    md << " " << c.md << " |";
  }
  csv << "\n";
  md << "\n| --- | --- |";
  for (std::size_t i = 0; i < columns.size(); ++i) md << " --- |";
  md << "\n";
  // A group's metrics: record["pooled"], record[group]["pooled"], or
  // record[group] when it has no pooled part (across_people).
  auto metrics = [](const nlohmann::json& record, const std::string& group) {
    if (group == "pooled") return record.value("pooled", nlohmann::json::object());
    const auto part = record.value(group, nlohmann::json::object());
    return part.value("pooled", part);
  };
  std::vector<std::vector<double>> values(columns.size());
  char cell[64];
  for (const auto& [name, record] : rows) {
    const auto n = static_cast<long long>(NumberOr(metrics(record, "pooled"), "n"));
    csv << name << "," << n;
    md << "| " << name << " | " << n << " |";
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const double v = NumberOr(metrics(record, columns[i].group), columns[i].metric);
      values[i].push_back(v);
      std::snprintf(cell, sizeof cell, " %.3f |", v);
      csv << "," << v;
      md << cell;
    }
    csv << "\n";
    md << "\n";
  }
  for (auto [stat, field] : {std::pair{"mean", &Spread::mean}, std::pair{"min", &Spread::min},
                             std::pair{"max", &Spread::max}}) {
    csv << stat << ",";
    md << "| **" << stat << "** | |";
    for (const auto& v : values) {
      const double x = SpreadOf(v).*field;
      std::snprintf(cell, sizeof cell, " %.3f |", x);
      csv << "," << x;
      md << cell;
    }
    csv << "\n";
    md << "\n";
  }
}

// The train command of a fold: on GPUs with several per fold, one
// coordinator and one replica per GPU (under mpirun, or srun's PMIx).
std::vector<std::string> FoldCommand(const Fold& f, const DeviceSlots& slots, FoldLauncher launcher,
                                     const std::string& store,
                                     const std::vector<std::string>& extra) {
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  std::vector<std::string> a =
      FoldLaunchPrefix(launcher, f, slots, FoldStepShare(ReadSlurmJob(), slots));
  a.insert(a.end(), {self, "train", "--mode", "finetune", "--store", store, "--run-dir",
                     f.dir.string(), "--resume", "auto"});
  if (slots.gpus()) a.insert(a.end(), {"--device", "auto"});
  if (slots.gpus() && slots.per_fold() > 1) a.insert(a.end(), {"--sync", "mpi"});
  a.insert(a.end(), f.args.begin(), f.args.end());
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

void AddSweepOptions(CommandSpec& spec) {
  const SweepPlan d;
  spec.options.add_options()("kind", po::value<std::string>()->required(),
                             "loco, celltypes, fraction or individuals")(
      "store", po::value<std::string>()->required(), "feature store")(
      "run-dir", po::value<std::string>()->required(), "sweep directory")(
      "init", po::value<std::string>()->default_value(""), "pretrained checkpoint or run")(
      "target",
      po::value<std::string>()->default_value(std::string(kTargets.Name(SweepPlan{}.target))),
      "what the folds fine-tune for: expression, or atac (accessibility; the table is then\n"
      "over held-out regions)")(
      "folds", po::value<std::string>()->default_value(""),
      "chromosomes, cell types or people folds k to hold out, comma-separated (default: all)")(
      "genotypes", po::value<std::string>()->default_value(d.genotypes),
      "individuals: the cohort's genotype store (train --genotypes)")(
      "individual-folds", po::value<int>()->default_value(d.individual_folds),
      "individuals: K folds of people by sample-ID hash")(
      "chromosomes", po::value<std::string>()->default_value(""), "loco: the same as --folds")(
      "celltypes", po::value<std::string>()->default_value(""), "celltypes: the same as --folds")(
      "parallel", po::value<int>()->default_value(1), "CPU: folds trained at the same time")(
      "devices", po::value<std::string>()->default_value(""),
      "GPUs to pack folds onto: auto (all visible) or ids, e.g. 0,1,2,3 (default: CPU)")(
      "gpus-per-fold", po::value<int>()->default_value(1),
      "GPUs per fold; a fold with more than one runs under mpirun with --sync mpi")(
      "launcher", po::value<std::string>()->default_value(kFoldLaunchers.Name(FoldLauncher::kAuto)),
      "how folds start: local (child processes), srun (a Slurm job step each, inside the "
      "sweep's allocation), or auto (srun inside a Slurm job, else local)")(
      "fractions", po::value<std::string>()->default_value("0.01,0.05,0.1,0.25,0.5,1"),
      "fraction sweep: training-window shares")(
      "seeds", po::value<std::string>()->default_value("1,2,3"), "fraction sweep: seeds")(
      "leave-out-chromosomes", po::value<std::string>()->default_value(""),
      "fraction sweep: the held-out chromosomes")("retries", po::value<int>()->default_value(1),
                                                  "re-runs of a failed fold")(
      "train", po::value<std::string>()->default_value(""),
      "extra `getps train` options for every fold, e.g. \"--epochs 20 --lr 0.05\"");
}

SweepPlan ReadPlan(const po::variables_map& vm) {
  SweepPlan plan;
  const std::string kind = vm["kind"].as<std::string>();
  const auto parsed = kSweepKinds.Find(kind);
  if (!parsed)
    throw Error(ErrorCode::kInvalidArgument,
                "sweep: kind must be loco, celltypes, fraction or individuals, not '" + kind + "'");
  plan.kind = *parsed;
  plan.store = vm["store"].as<std::string>();
  plan.run_dir = vm["run-dir"].as<std::string>();
  plan.init = vm["init"].as<std::string>();
  plan.target = kTargets.Parse("--target", vm["target"].as<std::string>());
  // --folds, or its kind's own name for it (--chromosomes, --celltypes).
  std::string fold_list = vm["folds"].as<std::string>();
  for (const char* alias : {"chromosomes", "celltypes"}) {
    const std::string given = vm[alias].as<std::string>();
    if (given.empty()) continue;
    if ((plan.kind == SweepKind::kLoco) != (std::string(alias) == "chromosomes") ||
        !fold_list.empty())
      throw Error(ErrorCode::kInvalidArgument,
                  std::string("sweep ") + kind + ": --" + alias +
                      (fold_list.empty() ? " belongs to another kind of sweep"
                                         : " and --folds say the same thing; give one"));
    fold_list = given;
  }
  plan.folds = SplitList(fold_list);
  plan.fractions = SplitList(vm["fractions"].as<std::string>());
  plan.seeds = SplitList(vm["seeds"].as<std::string>());
  plan.held_out = vm["leave-out-chromosomes"].as<std::string>();
  plan.genotypes = vm["genotypes"].as<std::string>();
  plan.individual_folds = vm["individual-folds"].as<int>();
  return plan;
}

}  // namespace

int RunSweep(const std::vector<std::string>& args) {
  CommandSpec spec(
      "sweep", "loco|celltypes|fraction|individuals --store S --run-dir R [--init C] [options]",
      "Leave-one-out fine-tuning sweeps: one `getps train --mode finetune` per held-out\n"
      "chromosome (loco) or cell type (celltypes), each in R/fold-NAME with its own log,\n"
      "--parallel at a time. Resumable: finished folds are skipped, interrupted ones resume\n"
      "from their checkpoints. A failed fold is retried up to --retries times while the others\n"
      "go on. Ends with R/sweep.csv and R/sweep.md: per-fold Pearson, Spearman and R2 and\n"
      "their mean, min and max.\n"
      "fraction: the transfer-learning curve -- fine-tune on each --fractions share of the\n"
      "training windows, from --init and from scratch, for each of --seeds, with\n"
      "--leave-out-chromosomes held out; adds R/curve.csv and R/curve.md.\n"
      "individuals: training by people (train --genotypes), one fold per fold k of\n"
      "--individual-folds K, its people held out; the table adds each fold's median Pearson\n"
      "across its held-out people.\n"
      "GPUs: --devices packs folds side by side, --gpus-per-fold each (CUDA_VISIBLE_DEVICES);\n"
      "inside a Slurm allocation each fold is a job step (srun --exact; see --launcher).\n"
      "R/fold-NAME/fold.json says where each fold ran. Every sweep ends with R/report.html.");
  AddSweepOptions(spec);
  spec.positional.add("kind", 1);
  spec.path_options = {"store", "run-dir", "init", "genotypes"};
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  const SweepPlan plan = ReadPlan(*vm);
  const SlurmJob slurm = ReadSlurmJob();
  const FoldLauncher launcher = ResolveLauncher(
      kFoldLaunchers.Parse("--launcher", (*vm)["launcher"].as<std::string>()), slurm.in_job());
  // As job steps, folds get the allocation's GPUs (Slurm picks which).
  const int visible = launcher == FoldLauncher::kSrun && slurm.gpus_on_node > 0
                          ? slurm.allocated_gpus()
                      : torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count())
                                                    : 0;
  DeviceSlots slots(ParseDevices((*vm)["devices"].as<std::string>(), visible),
                    (*vm)["gpus-per-fold"].as<int>(), (*vm)["parallel"].as<int>());
  const int retries = std::max(0, (*vm)["retries"].as<int>());
  std::vector<std::string> extra;
  {
    std::istringstream words((*vm)["train"].as<std::string>());
    for (std::string w; words >> w;) extra.push_back(w);
  }
  const std::vector<Fold> folds = PlanFolds(plan);
  fs::create_directories(plan.run_dir);
  RecordSlurmAttempt(plan.run_dir.string(), slurm);
  FoldScheduler scheduler(slots, retries, [&](const Fold& f) {
    return FoldCommand(f, slots, launcher, plan.store, extra);
  });
  SweepResults results = scheduler.Run(folds);
  auto place = [&](const std::string& name) {
    return std::find_if(folds.begin(), folds.end(), [&](const Fold& f) { return f.name == name; });
  };
  std::sort(results.done.begin(), results.done.end(),
            [&](const auto& a, const auto& b) { return place(a.first) < place(b.first); });
  WriteTable(plan.run_dir,
             plan.kind == SweepKind::kLoco          ? "chromosome"
             : plan.kind == SweepKind::kCelltypes   ? "celltype"
             : plan.kind == SweepKind::kIndividuals ? "people_fold"
                                                    : "fold",
             results.done);
  std::cout << std::ifstream(plan.run_dir / "sweep.md").rdbuf();
  if (plan.kind == SweepKind::kFraction) {
    WriteCurve(plan.run_dir, folds, results.done);
    std::cout << "\n" << std::ifstream(plan.run_dir / "curve.md").rdbuf();
  }
  WriteRunReportAtEnd(plan.run_dir.string());
  if (!results.failed.empty()) {
    std::cerr << "getps: error: sweep: " << results.failed.size() << " fold(s) failed:";
    for (const auto& f : results.failed) std::cerr << " " << f;
    std::cerr << "\n";
    return 1;
  }
  return 0;
}

}  // namespace getps::cli
