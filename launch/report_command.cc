// `getps report RUN_DIR`: the self-contained HTML report of a training run
// or a sweep (launch/report/run_report.h).
#include <iostream>

#include "common/error.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/report/run_report.h"

namespace getps::cli {

int RunReport(const std::vector<std::string>& args) {
  CommandSpec spec("report", "RUN_DIR [--out FILE]",
                   "Writes RUN_DIR/report.html: one HTML file with inline SVG plots that opens\n"
                   "offline. For a training run: loss curves, held-out metrics per cell type,\n"
                   "predicted vs observed, metrics by distance to the nearest TSS and by\n"
                   "cell-type specificity. For a sweep: per-fold bars with mean, min and max,\n"
                   "the transfer-learning curve, every fold's loss curve, the pooled scatter\n"
                   "and the specificity strata over folds. `getps train` and `getps sweep`\n"
                   "write it when they finish.");
  spec.options.add_options()("run-dir", po::value<std::string>()->required(),
                             "a `getps train` run directory or a `getps sweep` directory")(
      "out", po::value<std::string>()->default_value(""),
      "the file to write (default RUN_DIR/report.html)")(
      "max-points", po::value<std::size_t>()->default_value(3000), "scatter points drawn at most");
  spec.positional.add("run-dir", 1);
  spec.path_options = {"run-dir", "out"};
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  if ((*vm)["max-points"].as<std::size_t>() < 1)
    throw Error(ErrorCode::kInvalidArgument, "report: --max-points must be at least 1");
  const std::string path =
      WriteRunReport({(*vm)["run-dir"].as<std::string>(), (*vm)["out"].as<std::string>(),
                      (*vm)["max-points"].as<std::size_t>()});
  std::cout << "wrote " << path << "\n";
  return 0;
}

}  // namespace getps::cli
