// RunReport: RUN_DIR/report.html, one self-contained page (inline CSS and
// SVG; no scripts, fonts or links, so it opens offline and can be mailed)
// that summarises a training run or a sweep from the files they leave:
//   run:   metrics.jsonl (loss curves, held-out metrics and their strata),
//          test_predictions.tsv (predicted vs observed);
//   sweep: sweep.csv (per-fold bars with mean/min/max), curve.csv (the
//          transfer-learning curve), and every fold-*/ run's files.
// Plots carry ids (plot-loss, plot-scatter, plot-folds, plot-curve,
// plot-specificity, plot-tss-distance) for tests and links.
#pragma once

#include <cstddef>
#include <string>

namespace getps {

struct ReportOptions {
  std::string run_dir;
  std::string output;             // default RUN_DIR/report.html
  std::size_t max_points = 3000;  // scatter points drawn (an even subsample)
};

// Writes the report atomically and returns its path. Throws
// Error(kNotFound) when RUN_DIR holds neither metrics.jsonl nor a sweep
// table, Error(kIOError) when the page cannot be written.
std::string WriteRunReport(const ReportOptions& options);

// The report at the end of a run or sweep: prints "report: PATH" on stdout,
// or logs a warning when it cannot be written (the run's results stand).
void WriteRunReportAtEnd(const std::string& run_dir);

}  // namespace getps
