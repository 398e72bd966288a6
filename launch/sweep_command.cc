// `getps sweep loco|celltypes`: one fine-tuning per held-out chromosome (or
// cell type), each a `getps train` child process in RUN/fold-NAME, run
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
#include "coordinator/run_report.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/device_slots.h"
#include "launch/spawn.h"
#include "storage/store_reader.h"

namespace getps::cli {
namespace {

namespace fs = std::filesystem;

// The fold's test record, if its run finished.
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

struct Fold {
  std::string name;
  fs::path dir;
  std::vector<std::string> args;  // its own `getps train` options
  std::string group;              // fraction sweeps: "FRACTION,START"
  int attempts = 0;
  pid_t pid = -1;
  std::vector<int> devices;  // its GPUs while it runs (empty on CPU)
  double started = 0;        // wall-clock seconds
};

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
    for (const auto& [name, pooled] : done)
      if (name == f.name) by_group[f.group].push_back(NumberOr(pooled, "pearson"));
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

void WriteTable(const fs::path& run_dir, const std::string& by,
                const std::vector<std::pair<std::string, nlohmann::json>>& rows) {
  std::ofstream csv(run_dir / "sweep.csv"), md(run_dir / "sweep.md");
  csv << by << ",n,pearson,spearman,r2\n";
  md << "| " << by << " | n | Pearson | Spearman | R² |\n| --- | --- | --- | --- | --- |\n";
  std::map<std::string, std::vector<double>> values;
  char line[256];
  for (const auto& [name, pooled] : rows) {
    const double p = NumberOr(pooled, "pearson"), s = NumberOr(pooled, "spearman"),
                 r = NumberOr(pooled, "r2");
    const auto n = static_cast<long long>(NumberOr(pooled, "n"));
    csv << name << "," << n << "," << p << "," << s << "," << r << "\n";
    std::snprintf(line, sizeof line, "| %s | %lld | %.3f | %.3f | %.3f |\n", name.c_str(), n, p, s,
                  r);
    md << line;
    values["pearson"].push_back(p);
    values["spearman"].push_back(s);
    values["r2"].push_back(r);
  }
  const Spread spreads[3] = {SpreadOf(values["pearson"]), SpreadOf(values["spearman"]),
                             SpreadOf(values["r2"])};
  for (auto [stat, field] : {std::pair{"mean", &Spread::mean}, std::pair{"min", &Spread::min},
                             std::pair{"max", &Spread::max}}) {
    const double v[3] = {spreads[0].*field, spreads[1].*field, spreads[2].*field};
    csv << stat << ",," << v[0] << "," << v[1] << "," << v[2] << "\n";
    std::snprintf(line, sizeof line, "| **%s** | | %.3f | %.3f | %.3f |\n", stat, v[0], v[1], v[2]);
    md << line;
  }
}

}  // namespace

int RunSweep(const std::vector<std::string>& args) {
  CommandSpec spec(
      "sweep", "loco|celltypes|fraction --store S --run-dir R [--init C] [options]",
      "Leave-one-out fine-tuning sweeps: one `getps train --mode finetune` per held-out\n"
      "chromosome (loco) or cell type (celltypes), each in R/fold-NAME with its own log,\n"
      "--parallel at a time. Resumable: finished folds are skipped, interrupted ones resume\n"
      "from their checkpoints. A failed fold is retried up to --retries times while the others\n"
      "go on. Ends with R/sweep.csv and R/sweep.md: per-fold Pearson, Spearman and R2 and\n"
      "their mean, min and max.\n"
      "fraction: the transfer-learning curve -- fine-tune on each --fractions share of the\n"
      "training windows, from --init and from scratch, for each of --seeds, with\n"
      "--leave-out-chromosomes held out; adds R/curve.csv and R/curve.md.\n"
      "GPUs: --devices packs folds side by side, --gpus-per-fold each (CUDA_VISIBLE_DEVICES);\n"
      "R/fold-NAME/fold.json says where each fold ran. Every sweep ends with R/report.html.");
  spec.options.add_options()("kind", po::value<std::string>()->required(),
                             "loco, celltypes or fraction")(
      "store", po::value<std::string>()->required(), "feature store")(
      "run-dir", po::value<std::string>()->required(), "sweep directory")(
      "init", po::value<std::string>()->default_value(""), "pretrained checkpoint or run")(
      "folds", po::value<std::string>()->default_value(""),
      "chromosomes or cell types to hold out, comma-separated (default: all)")(
      "chromosomes", po::value<std::string>()->default_value(""), "loco: the same as --folds")(
      "celltypes", po::value<std::string>()->default_value(""), "celltypes: the same as --folds")(
      "parallel", po::value<int>()->default_value(1), "CPU: folds trained at the same time")(
      "devices", po::value<std::string>()->default_value(""),
      "GPUs to pack folds onto: auto (all visible) or ids, e.g. 0,1,2,3 (default: CPU)")(
      "gpus-per-fold", po::value<int>()->default_value(1),
      "GPUs per fold; a fold with more than one runs under mpirun with --sync mpi")(
      "fractions", po::value<std::string>()->default_value("0.01,0.05,0.1,0.25,0.5,1"),
      "fraction sweep: training-window shares")(
      "seeds", po::value<std::string>()->default_value("1,2,3"), "fraction sweep: seeds")(
      "leave-out-chromosomes", po::value<std::string>()->default_value(""),
      "fraction sweep: the held-out chromosomes")("retries", po::value<int>()->default_value(1),
                                                  "re-runs of a failed fold")(
      "train", po::value<std::string>()->default_value(""),
      "extra `getps train` options for every fold, e.g. \"--epochs 20 --lr 0.05\"");
  spec.positional.add("kind", 1);
  spec.path_options = {"store", "run-dir", "init"};
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  const std::string kind = (*vm)["kind"].as<std::string>();
  if (kind != "loco" && kind != "celltypes" && kind != "fraction")
    throw Error(ErrorCode::kInvalidArgument,
                "sweep: kind must be loco, celltypes or fraction, not '" + kind + "'");
  const std::string store_path = (*vm)["store"].as<std::string>();
  const fs::path run_dir = (*vm)["run-dir"].as<std::string>();
  DeviceSlots slots(
      ParseDevices((*vm)["devices"].as<std::string>(),
                   static_cast<int>(torch::cuda::is_available() ? torch::cuda::device_count() : 0)),
      (*vm)["gpus-per-fold"].as<int>(), (*vm)["parallel"].as<int>());
  const int retries = std::max(0, (*vm)["retries"].as<int>());
  const std::string init = (*vm)["init"].as<std::string>();
  // --folds, or its kind's own name for it (--chromosomes, --celltypes).
  std::string fold_list = (*vm)["folds"].as<std::string>();
  for (const char* alias : {"chromosomes", "celltypes"}) {
    const std::string given = (*vm)[alias].as<std::string>();
    if (given.empty()) continue;
    if ((kind == "loco") != (std::string(alias) == "chromosomes") || !fold_list.empty())
      throw Error(ErrorCode::kInvalidArgument,
                  std::string("sweep ") + kind + ": --" + alias +
                      (fold_list.empty() ? " belongs to another kind of sweep"
                                         : " and --folds say the same thing; give one"));
    fold_list = given;
  }
  std::vector<std::string> names = SplitList(fold_list);
  std::vector<Fold> folds;
  if (kind == "fraction") {
    const std::string held_out = (*vm)["leave-out-chromosomes"].as<std::string>();
    if (held_out.empty())
      throw Error(ErrorCode::kInvalidArgument, "sweep fraction needs --leave-out-chromosomes");
    std::vector<std::string> starts = {"scratch"};
    if (!init.empty()) starts.insert(starts.begin(), "pretrained");
    for (const auto& fraction : SplitList((*vm)["fractions"].as<std::string>())) {
      for (const auto& start : starts) {
        for (const auto& seed : SplitList((*vm)["seeds"].as<std::string>())) {
          Fold f;
          f.name = "f" + fraction + "-" + start + "-s" + seed;
          f.group = fraction + "," + start;
          f.args = {
              "--leave-out-chromosomes", held_out, "--train-fraction", fraction, "--seed", seed};
          if (start == "pretrained") f.args.insert(f.args.end(), {"--init", init});
          folds.push_back(f);
        }
      }
    }
  }
  if (kind != "fraction" && names.empty()) {
    auto store = StoreReader::Open(store_path);
    if (kind == "loco") {
      for (const auto& c : store->regions().chromosomes()) names.push_back(c.name);
    } else {
      for (const auto& ct : store->celltypes()) names.push_back(ct.name);
    }
  }
  std::vector<std::string> extra;
  {
    std::istringstream words((*vm)["train"].as<std::string>());
    for (std::string w; words >> w;) extra.push_back(w);
  }
  fs::create_directories(run_dir);
  std::vector<Fold> pending, running;
  std::vector<std::pair<std::string, nlohmann::json>> done;
  if (kind != "fraction") {
    for (const auto& name : names) {
      Fold f;
      f.name = name;
      f.args = {kind == "loco" ? "--leave-out-chromosomes" : "--leave-out-celltypes", name};
      if (!init.empty()) f.args.insert(f.args.end(), {"--init", init});
      folds.push_back(f);
    }
  }
  names.clear();
  for (Fold& f : folds) {
    names.push_back(f.name);
    f.dir = run_dir / ("fold-" + f.name);
    if (auto result = FoldResult(f.dir)) {
      done.emplace_back(f.name, (*result)["pooled"]);
    } else {
      pending.push_back(f);
    }
  }
  if (!done.empty())
    LogInfo("sweep: " + std::to_string(done.size()) + " of " + std::to_string(names.size()) +
            " folds already done");
  std::vector<std::string> failed;
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  auto command = [&](const Fold& f) {
    std::vector<std::string> a;
    if (slots.per_fold() > 1 && slots.gpus())  // one coordinator + one replica per GPU
      a = {"mpirun",          "-np",       std::to_string(slots.per_fold() + 1),
           "--oversubscribe", "--bind-to", "none"};
    a.insert(a.end(), {self, "train", "--mode", "finetune", "--store", store_path, "--run-dir",
                       f.dir.string(), "--resume", "auto", "--quiet"});
    if (slots.gpus()) a.insert(a.end(), {"--device", "auto"});
    if (slots.per_fold() > 1 && slots.gpus()) a.insert(a.end(), {"--sync", "mpi"});
    a.insert(a.end(), f.args.begin(), f.args.end());
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  if (slots.gpus())
    LogInfo("sweep: " + std::to_string(slots.capacity()) + " fold(s) at a time, " +
            std::to_string(slots.per_fold()) + " GPU(s) each");
  while (!pending.empty() || !running.empty()) {
    while (!pending.empty()) {
      auto devices = slots.Acquire();
      if (!devices) break;
      Fold f = pending.front();
      pending.erase(pending.begin());
      ++f.attempts;
      f.devices = *devices;
      f.started = WallClockSeconds();
      const auto fold_command = command(f);
      f.pid = StartFold(f, fold_command);
      WriteFoldRecord(f, fold_command);
      LogInfo("sweep: fold " + f.name + " started" +
              (f.devices.empty() ? "" : " on GPU " + DeviceList(f.devices)) + " (attempt " +
              std::to_string(f.attempts) + ", log " + (f.dir / "train.log").string() + ")");
      running.push_back(f);
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) throw Error(ErrorCode::kIOError, "sweep: waitpid failed");
    for (auto it = running.begin(); it != running.end(); ++it) {
      if (it->pid != pid) continue;
      Fold f = *it;
      running.erase(it);
      slots.Release(f.devices);
      WriteFoldRecord(f, command(f), {{"finished", WallClockSeconds()}, {"status", status}});
      const auto result = FoldResult(f.dir);
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && result) {
        LogInfo("sweep: fold " + f.name + " done, Pearson " +
                (*result)["pooled"]["pearson"].dump());
        done.emplace_back(f.name, (*result)["pooled"]);
      } else if (f.attempts <= retries) {
        LogWarning("sweep: fold " + f.name + " failed (see its train.log); retrying");
        pending.push_back(f);
      } else {
        LogError("sweep: fold " + f.name + " failed " + std::to_string(f.attempts) +
                 " times; giving up on it (see " + (f.dir / "train.log").string() + ")");
        failed.push_back(f.name);
      }
      break;
    }
  }
  std::sort(done.begin(), done.end(), [&](const auto& a, const auto& b) {
    return std::find(names.begin(), names.end(), a.first) <
           std::find(names.begin(), names.end(), b.first);
  });
  WriteTable(run_dir,
             kind == "loco"        ? "chromosome"
             : kind == "celltypes" ? "celltype"
                                   : "fold",
             done);
  std::cout << std::ifstream(run_dir / "sweep.md").rdbuf();
  if (kind == "fraction") {
    WriteCurve(run_dir, folds, done);
    std::cout << "\n" << std::ifstream(run_dir / "curve.md").rdbuf();
  }
  WriteRunReportAtEnd(run_dir.string());
  if (!failed.empty()) {
    std::cerr << "getps: error: sweep: " << failed.size() << " fold(s) failed:";
    for (const auto& f : failed) std::cerr << " " << f;
    std::cerr << "\n";
    return 1;
  }
  return 0;
}

}  // namespace getps::cli
