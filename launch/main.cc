// getps: the torch-free binary (launch/subcommands.h). It runs the featurizer,
// store, scan, count, simulate, report and launch commands itself, and every
// command line that needs LibTorch in getps-model.
#include "launch/commands.h"
#include "launch/subcommands.h"

int main(int argc, char** argv) {
  return getps::cli::RunMain(argc, argv, getps::cli::CoreRunnerOf, /*links_libtorch=*/false);
}
