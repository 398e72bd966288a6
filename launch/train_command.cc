// `getps train`: pretraining or fine-tuning (worker/trainer.h), in one
// process or, with --sync under mpirun, data-parallel (distributed_train.h).
// Every default shown is the options structs' own (TrainOptions{},
// DistributedOptions{}).
#include <cstdint>
#include <iostream>

#include <torch/cuda.h>

#include "common/error.h"
#include "common/log.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/distributed_train.h"
#include "launch/gene_tasks.h"
#include "launch/individual_options.h"
#include "launch/report/run_report.h"
#include "launch/slurm_env.h"
#include "launch/status_endpoint.h"
#include "worker/trainer.h"

namespace getps::cli {
namespace {

void AddModelOptions(CommandSpec& spec) {
  const TrainOptions d;
  spec.options.add_options()(
      "mode", po::value<std::string>()->default_value(kTrainModes.Name(d.mode)),
      "pretrain or finetune")("store", po::value<std::string>()->required(), "feature store")(
      "run-dir", po::value<std::string>()->required(),
      "run directory (checkpoints, metrics.jsonl)")(
      "model", po::value<std::string>()->default_value(kModelKinds.Name(d.model)),
      "get or mlp (the paper's baseline)")(
      "model-size", po::value<std::string>()->default_value(kModelSizes.Name(d.model_size)),
      "small (CPU tests, demo) or paper")(
      "init", Defaulted(d.init),
      "start from these weights: a getps checkpoint or run, or the reference's (a state\n"
      "dict, a dict holding it under model or state_dict, a Lightning checkpoint); heads\n"
      "the run needs and the file lacks are initialised, others dropped, both named")(
      "init-drop", Defaulted(d.init_drop), "regex: keys of --init's weights to leave out")(
      "freeze", Defaulted(d.freeze), "regex: parameters whose names match are not trained")(
      "lora", Defaulted(d.lora),
      "regex of Linear layers to give LoRA adapters (e.g. 'attn\\.(qkv|proj)$'); the rest is "
      "frozen")("lora-rank", Defaulted(d.lora_rank), "LoRA rank")(
      "lora-alpha", Defaulted(d.lora_alpha), "LoRA alpha (scale alpha / rank)")(
      "lora-trainable", Defaulted(d.lora_trainable),
      "with --lora: regex of base parameters that still train")(
      "drop-path", Defaulted(d.drop_path),
      "stochastic depth rate of the last block (linspace from 0)");
}

void AddSchedulingOptions(CommandSpec& spec) {
  const TrainOptions d;
  spec.options.add_options()("batch-size", Defaulted(d.batch_size), "windows per batch")(
      "accumulation", Defaulted(d.accumulation), "batches per optimiser step")(
      "epochs", Defaulted(d.epochs), "maximum epochs")("lr", Defaulted(d.base_lr),
                                                       "base learning rate per 256 windows")(
      "min-lr", Defaulted(d.min_lr), "final learning rate of the cosine schedule")(
      "weight-decay", Defaulted(d.weight_decay), "AdamW weight decay")(
      "warmup-fraction", Defaulted(d.warmup_fraction), "linear warmup, fraction of all steps")(
      "clip-grad", Defaulted(d.clip_grad), "max gradient norm (0: off)")("seed", Defaulted(d.seed),
                                                                         "random seed")(
      "patience", Defaulted(d.patience), "epochs without validation improvement before stopping")(
      "resume", po::value<std::string>()->default_value(d.resume ? "auto" : "no"),
      "auto: continue from the newest valid checkpoint")("keep-last", Defaulted(d.keep_last),
                                                         "checkpoints kept besides the best")(
      "commit-every", Defaulted(d.commit_every),
      "also commit (checkpoint with the data cursor) every K steps, so a restart loses at\n"
      "most K steps; 0: at epoch ends only. Commits are listed in RUN/epochs.jsonl")(
      "device", po::value<std::string>()->default_value(d.device.str()),
      "cpu, cuda[:N], or auto (cuda when a GPU is visible, else cpu); under mpirun a bare\n"
      "cuda is the replica's node-local index among the visible GPUs")(
      "precision", po::value<std::string>()->default_value(kPrecisions.Name(d.precision)),
      "auto (bf16 autocast on CUDA, fp32 on CPU), fp32 or bf16")("quiet", po::bool_switch(),
                                                                 kQuietHelp);
}

void AddDataOptions(CommandSpec& spec) {
  const TrainOptions d;
  spec.options.add_options()("leave-out-chromosomes", po::value<std::string>()->default_value(""),
                             "held-out chromosomes, comma-separated")(
      "leave-out-celltypes", po::value<std::string>()->default_value(""),
      "held-out cell types, comma-separated")("validation-fraction",
                                              Defaulted(d.validation_fraction),
                                              "validation share of the training windows")(
      "train-fraction", Defaulted(d.train_fraction), "train on this random fraction of windows")(
      "mask-ratio", Defaulted(d.mask_ratio), "pretraining: chance a region is masked")(
      "target", po::value<std::string>()->default_value(kTargets.Name(d.target)),
      "fine-tuning: expression (per strand, GETRegionFinetune) or atac (accessibility,\n"
      "GETRegionFinetuneATAC: the input's accessibility column is 1)")(
      "atac", po::value<std::string>()->default_value(kAtacModes.Name(d.atac)),
      "accessibility column: quantitative or binary (1 whenever accessibility is the target)")(
      "genotypes", Defaulted(d.genotypes),
      "train by people: a genotype store of --store with per-person expression (genotypes "
      "import --expression-individuals); windows are (person, gene window), labels the "
      "person's; people held out by --leave-out-individuals or --individual-folds/--fold")(
      "loss", po::value<std::string>()->default_value(kExpressionLosses.Name(d.loss)),
      "expression loss: poisson (GET's, every entry) or variformer (with --genotypes: 0.5 MSE "
      "+ 0.5 MSE of differences between the people of a batch, each batch one gene window)")(
      "genes", Defaulted(std::string()),
      "with --genotypes: train and test on these genes' windows only (comma list or all)")(
      "genes-file", Defaulted(std::string()),
      "with --genotypes: a file of gene names, one per line");
}

// The values the numeric training options take (checked by Parse).
std::map<std::string, ValueRange> TrainRanges() {
  const ValueRange count = Between(1, 1e9), fraction = Between(0, 1);
  return {{"batch-size", count},
          {"accumulation", count},
          {"epochs", count},
          {"lr", NonNegative()},
          {"min-lr", NonNegative()},
          {"weight-decay", NonNegative()},
          {"warmup-fraction", fraction},
          {"clip-grad", NonNegative()},
          {"patience", Between(0, 1e9)},
          {"keep-last", Between(0, 1e9)},
          {"commit-every", NonNegative()},
          {"validation-fraction", fraction},
          {"train-fraction", {0, 1, true, ""}},
          {"mask-ratio", fraction},
          {"drop-path", fraction},
          {"lora-rank", count},
          {"lora-alpha", Positive()}};
}

TrainOptions ReadTrainOptions(const po::variables_map& vm) {
  auto get = [&](const char* k) { return vm[k].as<std::string>(); };
  TrainOptions o;
  o.mode = kTrainModes.Parse("--mode", get("mode"));
  o.store = get("store");
  o.run_dir = get("run-dir");
  o.model = kModelKinds.Parse("--model", get("model"));
  o.model_size = kModelSizes.Parse("--model-size", get("model-size"));
  o.batch_size = vm["batch-size"].as<std::int64_t>();
  o.accumulation = vm["accumulation"].as<int>();
  o.epochs = vm["epochs"].as<int>();
  o.base_lr = vm["lr"].as<double>();
  o.min_lr = vm["min-lr"].as<double>();
  o.weight_decay = vm["weight-decay"].as<double>();
  o.warmup_fraction = vm["warmup-fraction"].as<double>();
  o.clip_grad = vm["clip-grad"].as<double>();
  o.seed = vm["seed"].as<std::uint64_t>();
  o.leave_out_chromosomes = SplitList(get("leave-out-chromosomes"));
  o.leave_out_celltypes = SplitList(get("leave-out-celltypes"));
  o.validation_fraction = vm["validation-fraction"].as<double>();
  o.patience = vm["patience"].as<int>();
  o.train_fraction = vm["train-fraction"].as<double>();
  o.mask_ratio = vm["mask-ratio"].as<double>();
  o.target = kTargets.Parse("--target", get("target"));
  o.atac = kAtacModes.Parse("--atac", get("atac"));
  o.init = get("init");
  o.init_drop = get("init-drop");
  o.freeze = get("freeze");
  o.lora = get("lora");
  o.lora_rank = vm["lora-rank"].as<std::int64_t>();
  o.lora_alpha = vm["lora-alpha"].as<double>();
  o.lora_trainable = get("lora-trainable");
  const std::string resume = get("resume");
  if (resume != "auto" && resume != "no")
    throw Error(ErrorCode::kInvalidArgument, "--resume takes auto or no");
  o.resume = resume == "auto";
  o.keep_last = vm["keep-last"].as<int>();
  o.commit_every = vm["commit-every"].as<std::int64_t>();
  const std::string device = get("device");
  o.device = DeviceNamed(
      "--device", device == "auto" ? (torch::cuda::is_available() ? "cuda" : "cpu") : device);
  o.precision = kPrecisions.Parse("--precision", get("precision"));
  o.drop_path = vm["drop-path"].as<double>();
  o.progress = !vm["quiet"].as<bool>();
  o.genotypes = get("genotypes");
  o.loss = kExpressionLosses.Parse("--loss", get("loss"));
  o.genes = GeneNames(vm);
  const IndividualSplitOptions people = ReadIndividualSplit(vm);
  o.leave_out_individuals = people.leave_out;
  o.individual_folds = people.folds;
  o.fold = people.fold;
  return o;
}

}  // namespace

int RunTrain(const std::vector<std::string>& args) {
  CommandSpec spec(
      "train", "--mode pretrain|finetune --store S --run-dir R [options]",
      "Trains GET (or the MLP baseline) on CPU or one GPU: masked-element pretraining\n"
      "(Bernoulli 0.5 region masks, MSE on masked regions) or fine-tuning (Poisson NLL on\n"
      "expression per strand, stride-100 windows). AdamW (decay 0.05, none on 1-D/bias/\n"
      "cls_token), cosine schedule with warmup, lr scaled by batch/256; checkpoints in\n"
      "R/checkpoints, evaluations in R/metrics.jsonl. With --genotypes, fine-tuning by\n"
      "people: each person's gene windows with their variants and expression, held-out\n"
      "people tested by the Pearson across them of each TSS entry.");
  AddModelOptions(spec);
  AddDataOptions(spec);
  AddSchedulingOptions(spec);
  spec.ranges = TrainRanges();
  AddIndividualSplitOptions(spec);
  AddDistributedOptions(spec);
  spec.path_options = {"store", "run-dir", "init", "genotypes", "genes-file"};
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  const TrainOptions o = ReadTrainOptions(*vm);
  const DistributedOptions distributed = ReadDistributedOptions(*vm);
  if (distributed.sync) return RunDistributedTrain(o, distributed);
  RecordSlurmAttempt(o.run_dir);
  RunProgress progress(o.run_dir);
  const auto status =
      StartStatusEndpoint(distributed.status_bind, distributed.status_port, o.run_dir, progress);
  TrainSummary s = Train(o, nullptr, &progress);
  std::cout << "trained " << s.epochs << " epochs (" << s.steps << " steps); best validation loss "
            << s.best_validation_loss << " in " << s.best_checkpoint << "\n";
  const bool held_out = !o.leave_out_chromosomes.empty() || !o.leave_out_celltypes.empty();
  if (held_out && o.pretraining()) {
    std::cout << "held-out masked MSE " << s.test_masked_mse << " (baseline: feature means "
              << s.test_baseline_mse << ")\n";
  } else if (!o.genotypes.empty()) {
    std::cout << "held-out people: median Pearson across them " << s.test_people_median_pearson
              << " (pooled over entries and people " << s.test_pearson << ")\n";
  } else if (held_out) {
    std::cout << "held-out Pearson " << s.test_pearson << "\n";
  }
  WriteRunReportAtEnd(o.run_dir);
  return 0;
}

}  // namespace getps::cli
