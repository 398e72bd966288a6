// `getps train`: pretraining or fine-tuning (worker/trainer.h), in one
// process or, with --sync under mpirun, data-parallel (distributed_train.h).
#include <iostream>

#include <torch/cuda.h>

#include "common/error.h"
#include "coordinator/run_report.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/distributed_train.h"
#include "launch/option_values.h"
#include "launch/status_endpoint.h"
#include "worker/trainer.h"

namespace getps::cli {

int RunTrain(const std::vector<std::string>& args) {
  CommandSpec spec(
      "train", "--mode pretrain|finetune --store S --run-dir R [options]",
      "Trains GET (or the MLP baseline) on CPU or one GPU: masked-element pretraining\n"
      "(Bernoulli 0.5 region masks, MSE on masked regions) or fine-tuning (Poisson NLL on\n"
      "expression per strand, stride-100 windows). AdamW (decay 0.05, none on 1-D/bias/\n"
      "cls_token), cosine schedule with warmup, lr scaled by batch/256; checkpoints in\n"
      "R/checkpoints, evaluations in R/metrics.jsonl.");
  spec.options.add_options()("mode", po::value<std::string>()->default_value("finetune"),
                             "pretrain or finetune")("store", po::value<std::string>()->required(),
                                                     "feature store")(
      "run-dir", po::value<std::string>()->required(),
      "run directory (checkpoints, metrics.jsonl)")(
      "model", po::value<std::string>()->default_value("get"), "get or mlp (the paper's baseline)")(
      "model-size", po::value<std::string>()->default_value("small"),
      "small (CPU tests, demo) or paper")(
      "batch-size", po::value<std::int64_t>()->default_value(16), "windows per batch")(
      "accumulation", po::value<int>()->default_value(1), "batches per optimiser step")(
      "epochs", po::value<int>()->default_value(10), "maximum epochs")(
      "lr", po::value<double>()->default_value(1.5e-4), "base learning rate per 256 windows")(
      "min-lr", po::value<double>()->default_value(1e-6),
      "final learning rate of the cosine schedule")(
      "weight-decay", po::value<double>()->default_value(0.05), "AdamW weight decay")(
      "warmup-fraction", po::value<double>()->default_value(0.1),
      "linear warmup, fraction of all steps")("clip-grad", po::value<double>()->default_value(0),
                                              "max gradient norm (0: off)")(
      "seed", po::value<std::uint64_t>()->default_value(1), "random seed")(
      "leave-out-chromosomes", po::value<std::string>()->default_value(""),
      "held-out chromosomes, comma-separated")("leave-out-celltypes",
                                               po::value<std::string>()->default_value(""),
                                               "held-out cell types, comma-separated")(
      "validation-fraction", po::value<double>()->default_value(0.1),
      "validation share of the training windows")(
      "patience", po::value<int>()->default_value(5),
      "epochs without validation improvement before stopping")(
      "train-fraction", po::value<double>()->default_value(1.0),
      "train on this random fraction of windows")(
      "mask-ratio", po::value<double>()->default_value(0.5),
      "pretraining: chance a region is masked")("atac-loss", po::value<double>()->default_value(0),
                                                "fine-tuning: weight of the ATAC head's loss")(
      "atac", po::value<std::string>()->default_value("quantitative"),
      "accessibility column: quantitative or binary")(
      "init", po::value<std::string>()->default_value(""),
      "start from this checkpoint (folder or model.pt)")(
      "freeze", po::value<std::string>()->default_value(""),
      "regex: parameters whose names match are not trained")(
      "lora", po::value<std::string>()->default_value(""),
      "regex of Linear layers to give LoRA adapters (e.g. 'attn\\.(qkv|proj)$'); the rest is "
      "frozen")("lora-rank", po::value<std::int64_t>()->default_value(8), "LoRA rank")(
      "lora-alpha", po::value<double>()->default_value(1.0), "LoRA alpha (scale alpha / rank)")(
      "lora-trainable", po::value<std::string>()->default_value("^head_"),
      "with --lora: regex of base parameters that still train")(
      "resume", po::value<std::string>()->default_value("no"),
      "auto: continue from the newest valid checkpoint")(
      "keep-last", po::value<int>()->default_value(2), "checkpoints kept besides the best")(
      "commit-every", po::value<std::int64_t>()->default_value(0),
      "also commit (checkpoint with the data cursor) every K steps, so a restart loses at\n"
      "most K steps; 0: at epoch ends only. Commits are listed in RUN/epochs.jsonl")(
      "device", po::value<std::string>()->default_value("cpu"),
      "cpu, cuda[:N], or auto (cuda when a GPU is visible, else cpu); under mpirun a bare\n"
      "cuda is the replica's node-local index among the visible GPUs")(
      "sync", po::value<std::string>()->default_value(""),
      "distributed under mpirun: mpi (allreduce) or ps (parameter server on rank 0)")(
      "bind", po::value<std::string>()->default_value("tcp://*:0"),
      "with --sync: the coordinator's control endpoint (port 0: any free port)")(
      "timeout", po::value<int>()->default_value(300),
      "with --sync: seconds any control-channel wait may take")(
      "heartbeat-timeout", po::value<double>()->default_value(10),
      "with --sync: seconds of silence after which a peer counts as lost (ps: the run goes\n"
      "on without it from the last commit; mpi: the job ends, for `getps launch` to restart\n"
      "it from the last commit)")(
      "min-workers", po::value<int>()->default_value(1),
      "with --sync ps: fewer replicas than this and the run pauses, waiting for workers to\n"
      "join (bounded by --rendezvous-timeout) instead of going on")(
      "rendezvous-timeout", po::value<double>()->default_value(120),
      "with --sync ps: seconds the coordinator waits for the replicas a generation needs")(
      "host-failures", po::value<int>()->default_value(3),
      "with --sync ps: a host that lost this many replicas within --host-cooldown is kept\n"
      "out (its workers are refused) until --host-cooldown has passed since its last loss")(
      "host-cooldown", po::value<double>()->default_value(300),
      "with --sync ps: seconds of the host cool-down window")(
      "staleness", po::value<int>()->default_value(-1),
      "with --sync ps: -1 synchronous; S >= 0 asynchronous, a replica at most S pushes "
      "ahead of the slowest")("wire", po::value<std::string>()->default_value("fp32"),
                              "with --sync ps: gradients on the wire as fp32 or bf16")(
      "servers", po::value<int>()->default_value(0),
      "with --sync ps: parameter server shards on mpirun ranks 1..K, each owning a balanced\n"
      "slice of the parameters and their AdamW state (0: the coordinator serves them all)")(
      "external-workers", po::value<int>()->default_value(0),
      "with --sync ps: also wait for this many `getps worker` replicas (see "
      "RUN/coordinator.json)")("drop-path", po::value<double>()->default_value(0.1),
                               "stochastic depth rate of the last block (linspace from 0)")(
      "status-port", po::value<int>()->default_value(-1),
      "serve live progress over HTTP on this port (/metrics: Prometheus; /: a status page);\n"
      "0: any free port (see RUN/status.json); off by default; under mpirun on rank 0")(
      "status-bind", po::value<std::string>()->default_value("127.0.0.1"),
      "the status server's IPv4 address (0.0.0.0: every interface)")(
      "precision", po::value<std::string>()->default_value("auto"),
      "auto (bf16 autocast on CUDA, fp32 on CPU), fp32 or bf16")("quiet", po::bool_switch(),
                                                                 "no progress lines");
  spec.path_options = {"store", "run-dir", "init"};
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto get = [&](const char* k) { return (*vm)[k].as<std::string>(); };
  TrainOptions o;
  o.mode = get("mode");
  o.store = get("store");
  o.run_dir = get("run-dir");
  o.model = get("model");
  o.model_size = get("model-size");
  o.batch_size = (*vm)["batch-size"].as<std::int64_t>();
  o.accumulation = (*vm)["accumulation"].as<int>();
  o.epochs = (*vm)["epochs"].as<int>();
  o.base_lr = (*vm)["lr"].as<double>();
  o.min_lr = (*vm)["min-lr"].as<double>();
  o.weight_decay = (*vm)["weight-decay"].as<double>();
  o.warmup_fraction = (*vm)["warmup-fraction"].as<double>();
  o.clip_grad = (*vm)["clip-grad"].as<double>();
  o.seed = (*vm)["seed"].as<std::uint64_t>();
  o.leave_out_chromosomes = SplitList(get("leave-out-chromosomes"));
  o.leave_out_celltypes = SplitList(get("leave-out-celltypes"));
  o.validation_fraction = (*vm)["validation-fraction"].as<double>();
  o.patience = (*vm)["patience"].as<int>();
  o.train_fraction = (*vm)["train-fraction"].as<double>();
  o.mask_ratio = (*vm)["mask-ratio"].as<double>();
  o.atac_loss_weight = (*vm)["atac-loss"].as<double>();
  o.atac = ParseAtacMode(get("atac"));
  o.init = get("init");
  o.freeze = get("freeze");
  o.lora = get("lora");
  o.lora_rank = (*vm)["lora-rank"].as<std::int64_t>();
  o.lora_alpha = (*vm)["lora-alpha"].as<double>();
  o.lora_trainable = get("lora-trainable");
  const std::string resume = get("resume");
  if (resume != "auto" && resume != "no")
    throw Error(ErrorCode::kInvalidArgument, "--resume takes auto or no");
  o.resume = resume == "auto";
  o.keep_last = (*vm)["keep-last"].as<int>();
  o.commit_every = (*vm)["commit-every"].as<std::int64_t>();
  o.device = get("device");
  if (o.device == "auto") o.device = torch::cuda::is_available() ? "cuda" : "cpu";
  o.precision = get("precision");
  o.drop_path = (*vm)["drop-path"].as<double>();
  o.progress = !(*vm)["quiet"].as<bool>();
  if (o.batch_size < 1 || o.accumulation < 1 || o.epochs < 1 ||
      !(o.train_fraction > 0 && o.train_fraction <= 1)) {
    throw Error(ErrorCode::kInvalidArgument,
                "--batch-size, --accumulation and --epochs must be >= 1, "
                "--train-fraction in (0, 1]");
  }
  if (!get("sync").empty()) {
    return RunDistributedTrain(
        o,
        {get("sync"), get("bind"), (*vm)["timeout"].as<int>(), (*vm)["external-workers"].as<int>(),
         get("wire"), (*vm)["staleness"].as<int>(), (*vm)["servers"].as<int>(), get("status-bind"),
         (*vm)["status-port"].as<int>(), (*vm)["heartbeat-timeout"].as<double>(),
         (*vm)["min-workers"].as<int>(), (*vm)["rendezvous-timeout"].as<double>(),
         (*vm)["host-failures"].as<int>(), (*vm)["host-cooldown"].as<double>()});
  }
  RunProgress progress(o.run_dir);
  const auto status =
      StartStatusEndpoint(get("status-bind"), (*vm)["status-port"].as<int>(), o.run_dir, progress);
  TrainSummary s = Train(o, nullptr, &progress);
  std::cout << "trained " << s.epochs << " epochs (" << s.steps << " steps); best validation loss "
            << s.best_validation_loss << " in " << s.best_checkpoint << "\n";
  const bool held_out = !o.leave_out_chromosomes.empty() || !o.leave_out_celltypes.empty();
  if (held_out && o.mode == "pretrain") {
    std::cout << "held-out masked MSE " << s.test_masked_mse << " (baseline: feature means "
              << s.test_baseline_mse << ")\n";
  } else if (held_out) {
    std::cout << "held-out Pearson " << s.test_pearson << "\n";
  }
  WriteRunReportAtEnd(o.run_dir);
  return 0;
}

}  // namespace getps::cli
