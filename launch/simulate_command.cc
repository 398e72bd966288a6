// `getps simulate`: the synthetic world (featurizer/simulate.h).
#include <cstdint>
#include <iostream>

#include "common/log.h"
#include "featurizer/simulate.h"
#include "featurizer/simulate_cohort.h"
#include "launch/command_line.h"
#include "launch/commands.h"

namespace getps::cli {

int RunSimulate(const std::vector<std::string>& args) {
  CommandSpec spec(
      "simulate", "--out DIR [--seed N] [--scale tiny|small|bench] [--individuals N]",
      "Writes a synthetic regulatory world with a known grammar in the real formats (FASTA,\n"
      "peaks BED, BGZF fragments + tabix index, barcodes, MEME motifs + cluster table, GTF,\n"
      "expression table and the same as a 10x RNA .h5 of counts) plus DIR/featurize.cfg, so that\n"
      "  getps featurize --config DIR/featurize.cfg --out STORE\n"
      "builds its feature store. Deterministic by seed. With --individuals N, a cohort too\n"
      "(featurizer/simulate_cohort.h): DIR/cohort.vcf.gz (+ .tbi, phased), per-individual\n"
      "expression DIR/people/CELLTYPE.tsv (log10(TPM + 1)) with known heritability per gene\n"
      "(0, 0.1, 0.3, 0.6 in turn; one causal variant per heritable gene, creating or\n"
      "destroying a TF instance in its promoter) and the truth, DIR/cohort_truth.json.");
  spec.options.add_options()("out", po::value<std::string>()->required(), "output directory")(
      "seed", po::value<std::uint64_t>()->default_value(1), "random seed")(
      "scale", po::value<std::string>()->default_value("tiny"),
      "tiny (CI, seconds), small (demo) or bench (220 k peaks, about 60 M fragments)")(
      "individuals", po::value<int>()->default_value(0),
      "people of a simulated cohort (0: none; 50 is a small one)")(
      "neutral-variants", po::value<int>()->default_value(CohortOptions{}.neutral_per_chromosome),
      "the cohort's neutral SNVs per chromosome")("quiet", po::bool_switch(), kQuietHelp);
  spec.ranges = {{"individuals", Between(0, 65535)}, {"neutral-variants", Between(0, 100000)}};
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  const std::string out = (*vm)["out"].as<std::string>();
  SimulateWorld(out, ScaleNamed((*vm)["scale"].as<std::string>()),
                (*vm)["seed"].as<std::uint64_t>(), !(*vm)["quiet"].as<bool>());
  std::cout << "wrote " << out << " (getps featurize --config " << out
            << "/featurize.cfg --out STORE)\n";
  if (const int people = (*vm)["individuals"].as<int>(); people > 0) {
    SimulateCohort(out, {people, (*vm)["neutral-variants"].as<int>()},
                   (*vm)["seed"].as<std::uint64_t>());
    std::cout << "wrote a cohort of " << people << " in " << out
              << "/cohort.vcf.gz (getps genotypes import --config " << out
              << "/featurize.cfg --store STORE --vcf " << out
              << "/cohort.vcf.gz --expression-individuals CELLTYPE=" << out
              << "/people/CELLTYPE.tsv --out G)\n";
  }
  return 0;
}

}  // namespace getps::cli
