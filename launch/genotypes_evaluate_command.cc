// `getps genotypes evaluate`: a model's accuracy across held-out people and
// the cis ridge baseline (launch/people_evaluation.h).
#include <algorithm>
#include <iostream>

#include "common/error.h"
#include "common/log.h"
#include "launch/command_line.h"
#include "launch/gene_tasks.h"
#include "launch/genotypes_commands.h"
#include "launch/individual_options.h"
#include "launch/option_values.h"
#include "launch/people_evaluation.h"

namespace getps::cli {
namespace {

CommandSpec EvaluateSpec() {
  CommandSpec spec(
      "genotypes evaluate",
      "--checkpoint C --store S --genotypes G --celltype X (--leave-out-individuals IDS | "
      "--individual-folds K --fold k) --out DIR",
      "A model's accuracy across people: for each gene (window as explain's) with per-person\n"
      "expression in G, the prediction on each person's window, and across the held-out\n"
      "people its Pearson and R2 (the square) against their expression; beside it the cis\n"
      "baseline, ridge on the dosages of the variants in the gene's window fitted on the\n"
      "training people (its R2: a proxy for cis heritability). A reference-trained model\n"
      "gives the 'reference genome' comparison. Writes DIR/predictions.tsv, genes.tsv,\n"
      "summary.tsv (the model's Pearson binned by cis R2) and evaluation.html (plots).\n"
      "Folds: XXH3(sample ID) mod K.");
  spec.options.add_options()("checkpoint", po::value<std::string>()->required(),
                             "model.pt, a checkpoint folder or a run directory (its best)")(
      "store", po::value<std::string>()->required(), "the feature store")(
      "genotypes", po::value<std::string>()->required(), "genotype store with expression")(
      "celltype", po::value<std::string>()->required(), "comma-separated cell types, or all")(
      "genes", po::value<std::string>()->default_value(""), "comma-separated genes, or all")(
      "genes-file", po::value<std::string>()->default_value(""), "a file of gene names")(
      "out", po::value<std::string>()->required(), "output folder")(
      "atac", po::value<std::string>()->default_value(kAtacModes.Name(AtacMode::kQuantitative)),
      "accessibility column: quantitative or binary (as the model was trained)")(
      "batch-size", po::value<std::size_t>()->default_value(64), "person windows per forward pass")(
      "quiet", po::bool_switch(), kQuietHelp);
  spec.path_options = {"checkpoint", "store", "genotypes", "genes-file", "out"};
  spec.ranges = {{"batch-size", Between(1, 1 << 16)}};
  AddIndividualSplitOptions(spec);
  return spec;
}

}  // namespace

int GenotypesEvaluate(const std::vector<std::string>& args) {
  CommandSpec spec = EvaluateSpec();
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto get = [&](const char* k) { return (*vm)[k].as<std::string>(); };
  const bool quiet = (*vm)["quiet"].as<bool>();
  auto store = StoreReader::Open(get("store"));
  auto genotypes = GenotypeReader::Open(get("genotypes"));
  genotypes->RequireStore(*store);
  PeopleEvaluationRun run;
  run.store = store.get();
  run.genotypes = genotypes.get();
  std::vector<int> celltypes;
  for (const int ct : CellTypes(*store, get("celltype"))) {
    const auto& with = genotypes->metadata().expression_celltypes;
    const std::string& name = store->celltypes()[static_cast<std::size_t>(ct)].name;
    if (std::find(with.begin(), with.end(), name) != with.end())
      celltypes.push_back(ct);
    else if (!quiet)
      std::cerr << "getps genotypes evaluate: skipped " << name << ": no per-person expression in "
                << genotypes->path() << "\n";
  }
  if (celltypes.empty())
    throw Error(ErrorCode::kInvalidArgument,
                genotypes->path() + " has per-person expression for none of --celltype " +
                    get("celltype") + " (genotypes import --expression-individuals)");
  run.tasks = GeneTasks(*store, celltypes, GeneNames(*vm), "genotypes evaluate", quiet);
  run.split = SplitIndividuals(genotypes->metadata().individuals, ReadIndividualSplit(*vm));
  const FineTunedModel model = LoadFineTunedModel(get("checkpoint"), *store, get("atac"));
  run.model = model.model.get();
  run.device = model.device;
  run.atac = model.atac;
  run.batch_size = (*vm)["batch-size"].as<std::size_t>();
  run.quiet = quiet;
  const PeopleEvaluationSummary s = EvaluatePeople(run, get("out"));
  std::cout << "wrote " << get("out") << ": " << s.genes
            << " genes x cell types with a Pearson over " << run.split.test.size()
            << " held-out people (of " << genotypes->metadata().individuals.size()
            << "); median Pearson " << s.median_pearson << ", median cis R2 " << s.median_cis_r2
            << "; " << s.windows_run << " person windows run\n";
  return 0;
}

}  // namespace getps::cli
