// `getps simulate`: the synthetic world (featurizer/simulate.h).
#include <iostream>

#include "common/log.h"
#include "featurizer/simulate.h"
#include "launch/command_line.h"
#include "launch/commands.h"

namespace getps::cli {

int RunSimulate(const std::vector<std::string>& args) {
  CommandSpec spec(
      "simulate", "--out DIR [--seed N] [--scale tiny|small|bench]",
      "Writes a synthetic regulatory world with a known grammar in the real formats (FASTA,\n"
      "peaks BED, BGZF fragments + tabix index, barcodes, MEME motifs + cluster table, GTF,\n"
      "expression table and the same as a 10x RNA .h5 of counts) plus DIR/featurize.cfg, so that\n"
      "  getps featurize --config DIR/featurize.cfg --out STORE\n"
      "builds its feature store. Deterministic by seed.");
  spec.options.add_options()("out", po::value<std::string>()->required(), "output directory")(
      "seed", po::value<std::uint64_t>()->default_value(1), "random seed")(
      "scale", po::value<std::string>()->default_value("tiny"),
      "tiny (CI, seconds), small (demo) or bench (220 k peaks, about 60 M fragments)")(
      "quiet", po::bool_switch(), kQuietHelp);
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  const std::string out = (*vm)["out"].as<std::string>();
  SimulateWorld(out, ScaleNamed((*vm)["scale"].as<std::string>()),
                (*vm)["seed"].as<std::uint64_t>(), !(*vm)["quiet"].as<bool>());
  std::cout << "wrote " << out << " (getps featurize --config " << out
            << "/featurize.cfg --out STORE)\n";
  return 0;
}

}  // namespace getps::cli
