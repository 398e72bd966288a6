// `getps explain`: which motifs and which regions drive each gene's
// prediction (worker/gene_explainer.h), written as arrays, tables and a page
// (explain_outputs.h); resumable by shards (explain_job.h); in one process
// or across the ranks of an mpirun (explain_distributed.h).
#include <torch/torch.h>
#include <cstdint>

#include <filesystem>
#include <iostream>

#include "common/error.h"
#include "common/file_digest.h"
#include "common/progress.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/explain_distributed.h"
#include "launch/gene_tasks.h"
#include "launch/mpi_session.h"
#include "storage/store_reader.h"
#include "worker/model/checkpoint.h"
#include "worker/model/initial_model.h"

namespace getps::cli {
namespace {

void AddExplainOptions(CommandSpec& spec) {
  const GeneExplainerOptions e;
  const ExplainOutputOptions o;
  spec.options.add_options()("checkpoint", po::value<std::string>()->required(),
                             "model.pt, a checkpoint folder or a run directory (its best)")(
      "store", po::value<std::string>()->required(), "feature store")(
      "celltypes", po::value<std::string>()->required(), "comma-separated cell types, or all")(
      "genes", po::value<std::string>()->default_value(""),
      "comma-separated genes, or all (the default)")(
      "genes-file", po::value<std::string>()->default_value(""),
      "a file of gene names, one per line")("out", po::value<std::string>()->required(),
                                            "output folder (resumed when it holds this job)")(
      "method",
      po::value<std::string>()->default_value(kAttributionMethods.Name(e.attribution.method)),
      "motif importance: grad, input-x-grad or ism (in-silico mutation)")(
      "distance-prior", po::value<std::string>()->default_value(kDistancePriors.Name(e.prior)),
      "enhancer-gene score's distance term: none or powerlaw")(
      "atac", po::value<std::string>()->default_value(kAtacModes.Name(e.atac)),
      "accessibility column: quantitative or binary (as the model was trained)")(
      "batch-size", Defaulted(e.batch_size), "genes per backward pass")(
      "ism-batch", Defaulted(e.attribution.ism_batch), "ism: mutated windows per forward pass")(
      "shard-genes", Defaulted(ExplainJobSpec{}.shard_genes),
      "genes per shard: the unit of resuming")("top-k", Defaulted(o.top_k),
                                               "top_motifs.tsv rows per gene")(
      "overwrite", po::bool_switch(), "clear --out first when it holds another job")(
      "quiet", po::bool_switch(), "no progress");
  spec.path_options = {"checkpoint", "store", "out", "genes-file"};
  spec.ranges = {{"batch-size", Between(1, 1 << 16)},
                 {"ism-batch", Between(1, 1 << 20)},
                 {"shard-genes", Between(1, 1 << 24)},
                 {"top-k", Between(1, 1 << 16)}};
}

int RunShow(const std::vector<std::string>& args) {
  CommandSpec spec("explain show", "--dir DIR --gene G --celltype X [--top N]",
                   "The output, the top features and the regions of the highest enhancer-gene\n"
                   "score of one gene in one cell type, from a finished `getps explain` folder.");
  spec.options.add_options()("dir", po::value<std::string>()->required(), "explain folder")(
      "gene", po::value<std::string>()->required(), "gene name")(
      "celltype", po::value<std::string>()->required(), "cell type")(
      "top", po::value<std::size_t>()->default_value(10), "features and regions listed");
  spec.path_options = {"dir"};
  spec.ranges = {{"top", Between(1, 1 << 16)}};
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  ShowExplanation((*vm)["dir"].as<std::string>(), (*vm)["gene"].as<std::string>(),
                  (*vm)["celltype"].as<std::string>(), (*vm)["top"].as<std::size_t>(), std::cout);
  return 0;
}

}  // namespace

int RunExplain(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "show") return RunShow({args.begin() + 1, args.end()});
  CommandSpec spec(
      "explain",
      "--checkpoint C --store S --celltypes X,Y [--genes A,B | --genes-file F] --out DIR",
      "Interpretation of a fine-tuned expression or accessibility model. For each gene in\n"
      "each cell type: the window of 200 regions centred on its TSS region and the output\n"
      "for its strand there, explained by one backward pass (genes batched):\n"
      "  motif importance  per feature, signed (--method input-x-grad: sum over regions\n"
      "                    of gradient x input; grad; ism: the change when one feature of\n"
      "                    one region is set to 0, summed over regions)\n"
      "  region importance the L2 norm of the output's Jacobian with respect to each\n"
      "                    region's embedding, divided by the gene's largest; the\n"
      "                    enhancer-gene score = that x the region's accessibility (log CPM)\n"
      "                    [x the distance prior], divided by the window's sum.\n"
      "Writes DIR/gene_by_motif.npy (+ .rows.tsv, .columns.tsv), top_motifs.tsv,\n"
      "region_importance.tsv and explain.html. Work is done in shards: rerun the same\n"
      "command to resume after a crash. Under `mpirun -np N+1` rank 0 hands shards to\n"
      "N replicas (each on its node's GPU when there is one) and writes what they return;\n"
      "a lost replica's shard goes to another. `getps explain show --dir DIR --gene G\n"
      "--celltype X` looks one gene up.");
  AddExplainOptions(spec);
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  const bool quiet = (*vm)["quiet"].as<bool>();
  auto store = StoreReader::Open((*vm)["store"].as<std::string>());
  const auto celltypes = CellTypes(*store, (*vm)["celltypes"].as<std::string>());
  ExplainRun run;
  run.tasks = GeneTasks(*store, celltypes, GeneNames(*vm), "explain", quiet);
  const auto& tasks = run.tasks;
  if (tasks.empty())
    throw Error(ErrorCode::kInvalidArgument, "explain: no gene has a window in those cell types");

  const std::string weights = CheckpointWeightsPath((*vm)["checkpoint"].as<std::string>());
  const auto features = store->num_motifs() + 1;
  auto model = CheckpointModel(weights, static_cast<std::int64_t>(features));

  run.store = store.get();
  run.model = model.get();
  for (const auto& c : store->celltypes()) run.celltypes.push_back(c.name);
  auto& options = run.options;
  options.attribution.method =
      kAttributionMethods.Parse("--method", (*vm)["method"].as<std::string>());
  options.attribution.ism_batch = (*vm)["ism-batch"].as<std::int64_t>();
  options.prior =
      kDistancePriors.Parse("--distance-prior", (*vm)["distance-prior"].as<std::string>());
  options.atac = kAtacModes.Parse("--atac", (*vm)["atac"].as<std::string>());
  if (model->task() == RegionTask::kAccessibility) options.atac = AtacMode::kBinary;
  options.batch_size = (*vm)["batch-size"].as<std::size_t>();
  run.spec = {weights,
              FileDigest(weights).Hex(),
              store->path(),
              store->fingerprint(),
              options.attribution.method,
              options.prior,
              options.atac,
              (*vm)["shard-genes"].as<std::size_t>(),
              tasks.size(),
              features};
  run.out = (*vm)["out"].as<std::string>();
  run.outputs.top_k = (*vm)["top-k"].as<std::size_t>();
  run.overwrite = (*vm)["overwrite"].as<bool>();
  run.quiet = quiet;
  return StartedByMpiLauncher() ? ExplainUnderMpi(run) : ExplainHere(run);
}

}  // namespace getps::cli
