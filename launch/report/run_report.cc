#include "launch/report/run_report.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
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
#include "launch/report/svg_plot.h"

namespace getps {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The records of DIR/metrics.jsonl; lines that do not parse (a run killed
// mid-write) are skipped, and of an epoch recorded twice (a run resumed
// from before that epoch's commit) only the later record is kept.
std::vector<json> ReadRecords(const fs::path& dir) {
  std::vector<json> records;
  std::ifstream in(dir / "metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    json r = json::parse(line, nullptr, false);
    if (!r.is_object()) continue;
    if (r.value("kind", "") == "validation") {
      std::erase_if(records, [&](const json& old) {
        return old.value("kind", "") == "validation" &&
               old.value("epoch", -1) == r.value("epoch", -2);
      });
    }
    records.push_back(std::move(r));
  }
  return records;
}

std::vector<std::vector<std::string>> ReadTable(const fs::path& path, char separator) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, separator);) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

double ToNumber(const std::string& s) {
  try {
    return std::stod(s);
  } catch (const std::exception&) {
    return kNaN;
  }
}

std::string Fixed(double v, int digits = 3) {
  if (!std::isfinite(v)) return "–";
  char s[32];
  std::snprintf(s, sizeof s, "%.*f", digits, v);
  return s;
}

std::string HtmlTable(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows) {
  std::string s = "<table><tr>";
  for (const auto& h : header) s += "<th>" + XmlEscape(h) + "</th>";
  s += "</tr>";
  for (const auto& row : rows) {
    s += "<tr>";
    for (const auto& cell : row) s += "<td>" + XmlEscape(cell) + "</td>";
    s += "</tr>";
  }
  return s + "</table>";
}

const json* TestRecord(const std::vector<json>& records) {
  const json* test = nullptr;
  for (const json& r : records)
    if (r.value("kind", "") == "test") test = &r;
  return test;
}

// (predicted, observed) of RUN/test_predictions.tsv, appended to *points.
void ReadPredictions(const fs::path& dir, Series* points) {
  const auto rows = ReadTable(dir / "test_predictions.tsv", '\t');
  if (rows.empty()) return;
  // By name: a run by people has an individual column before them.
  const auto& head = rows[0];
  const auto column = [&](const char* name) {
    return static_cast<std::size_t>(std::find(head.begin(), head.end(), name) - head.begin());
  };
  const std::size_t predicted = column("predicted"), observed = column("observed");
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].size() <= std::max(predicted, observed)) continue;
    points->x.push_back(ToNumber(rows[i][observed]));
    points->y.push_back(ToNumber(rows[i][predicted]));
  }
}

std::string ScatterPlot(Series points, std::size_t max_points, const std::string& what) {
  const std::size_t n = points.x.size(),
                    stride = std::max<std::size_t>(1, (n + max_points - 1) / max_points);
  Series shown{"held-out TSS entries", {}, {}, false};
  for (std::size_t i = 0; i < n; i += stride) {
    shown.x.push_back(points.x[i]);
    shown.y.push_back(points.y[i]);
  }
  std::string title = "Predicted vs observed, " + std::to_string(n) + " " + what;
  if (stride > 1) title += " (every " + std::to_string(stride) + "th shown)";
  return XyPlot({"scatter", title, "observed expression", "predicted expression", false, true},
                {shown});
}

// Bars per stratum of a test record's `by_KEY`: `metric` of the pooled
// entries and of up to seven cell types.
std::string StrataPlot(const json& test, const std::string& key, const std::string& id,
                       const std::string& title, const std::string& metric) {
  BarChart chart;
  chart.series = {"pooled"};
  for (const auto& bin : test[key]) {
    for (const auto& [ct, m] : bin["per_celltype"].items())
      if (chart.series.size() < 8 &&
          std::find(chart.series.begin(), chart.series.end(), ct) == chart.series.end())
        chart.series.push_back(ct);
  }
  for (const auto& bin : test[key]) {
    chart.groups.push_back(bin["bin"].get<std::string>() +
                           " (n=" + Fixed(NumberOr(bin["pooled"], "n"), 0) + ")");
    std::vector<double> row = {NumberOr(bin["pooled"], metric.c_str())};
    for (std::size_t s = 1; s < chart.series.size(); ++s) {
      const json& per = bin["per_celltype"];
      row.push_back(per.contains(chart.series[s]) ? NumberOr(per[chart.series[s]], metric.c_str())
                                                  : kNaN);
    }
    chart.values.push_back(row);
  }
  return BarPlot(
      {id, title,
       key == "by_tss_distance" ? "distance from the region's centre to the nearest TSS (bp)"
                                : "cell types in which the region is accessible",
       metric, false, false, 760, 380},
      chart);
}

std::string RunSections(const fs::path& dir, const ReportOptions& o) {
  const std::vector<json> records = ReadRecords(dir);
  Series train{"training loss", {}, {}}, validation{"validation loss", {}, {}};
  for (const json& r : records) {
    if (r.value("kind", "") != "validation") continue;
    train.x.push_back(NumberOr(r, "epoch"));
    train.y.push_back(NumberOr(r, "train_loss"));
    validation.x.push_back(NumberOr(r, "epoch"));
    validation.y.push_back(NumberOr(r, "validation_loss"));
  }
  std::string html = "<h2>Training</h2>" +
                     XyPlot({"loss", "Loss per epoch", "epoch", "loss"}, {train, validation});
  const json* test = TestRecord(records);
  if (!test) return html + "<p>No held-out evaluation yet.</p>";
  html += "<h2>Held-out evaluation</h2>";
  if (test->contains("masked_mse")) {
    html +=
        HtmlTable({"windows", "masked MSE", "feature-mean baseline", "ratio"},
                  {{Fixed(NumberOr(*test, "windows"), 0), Fixed(NumberOr(*test, "masked_mse"), 5),
                    Fixed(NumberOr(*test, "baseline_mse"), 5),
                    Fixed(NumberOr(*test, "masked_mse") / NumberOr(*test, "baseline_mse"))}});
    if (test->contains("by_tss_distance"))
      html += StrataPlot(*test, "by_tss_distance", "tss-distance",
                         "Masked MSE by distance to the nearest TSS", "masked_mse");
    if (test->contains("by_specificity"))
      html += StrataPlot(*test, "by_specificity", "specificity",
                         "Masked MSE by cell-type specificity", "masked_mse");
    return html;
  }
  std::vector<std::vector<std::string>> rows;
  auto row = [](const std::string& name, const json& m) {
    return std::vector<std::string>{name, Fixed(NumberOr(m, "n"), 0), Fixed(NumberOr(m, "pearson")),
                                    Fixed(NumberOr(m, "spearman")), Fixed(NumberOr(m, "r2"))};
  };
  const bool atac = test->value("target", std::string()) == "atac";
  rows.push_back(row(atac ? "pooled (held-out regions)" : "pooled (getps: each TSS on its strand)",
                     (*test)["pooled"]));
  if (test->contains("reference_tss"))
    rows.push_back(row("pooled (reference eval_tss: both strands of every TSS region)",
                       (*test)["reference_tss"].value("pooled", json::object())));
  const json per_celltype = test->value("per_celltype", json::object());
  for (const auto& [ct, m] : per_celltype.items()) rows.push_back(row(ct, m));
  html += HtmlTable({"", "n", "Pearson", "Spearman", "R²"}, rows);
  if (test->contains("across_people")) {
    const json& across = (*test)["across_people"];
    html +=
        "<h3>Across held-out people</h3><p>Each TSS entry's Pearson across the people held "
        "out (training by people; <code>getps genotypes evaluate</code> adds the cis "
        "baseline).</p>" +
        HtmlTable(
            {"TSS entries", "median Pearson", "mean Pearson"},
            {{Fixed(NumberOr(across, "entries"), 0), Fixed(NumberOr(across, "median_pearson")),
              Fixed(NumberOr(across, "mean_pearson"))}});
  }
  Series points;
  ReadPredictions(dir, &points);
  html += ScatterPlot(points, o.max_points,
                      atac ? "held-out regions (accessibility)" : "held-out TSS entries");
  if (test->contains("by_tss_distance"))
    html +=
        StrataPlot(*test, "by_tss_distance", "tss-distance",
                   "Pearson by distance from the region's centre to its nearest TSS", "pearson");
  if (test->contains("by_specificity"))
    html += StrataPlot(*test, "by_specificity", "specificity", "Pearson by cell-type specificity",
                       "pearson");
  return html;
}

// The folds' table and bars (sweep.csv); `folds` gets their names.
std::string FoldTable(const fs::path& dir, std::vector<std::string>* folds) {
  const auto table = ReadTable(dir / "sweep.csv", ',');
  if (table.size() <= 1) return "";
  BarChart chart{{}, {"Pearson", "Spearman", "R²"}, {}, {}};
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 1; i < table.size(); ++i) {
    const auto& r = table[i];
    if (r.size() < 5) continue;
    rows.push_back(
        {r[0], r[1], Fixed(ToNumber(r[2])), Fixed(ToNumber(r[3])), Fixed(ToNumber(r[4]))});
    if (r[0] == "mean" || r[0] == "min" || r[0] == "max") {
      chart.lines.emplace_back(r[0] + " Pearson", ToNumber(r[2]));
      continue;
    }
    folds->push_back(r[0]);
    chart.groups.push_back(r[0]);
    chart.values.push_back({ToNumber(r[2]), ToNumber(r[3]), ToNumber(r[4])});
  }
  return "<h2>Folds</h2>" + HtmlTable({table[0][0], "n", "Pearson", "Spearman", "R²"}, rows) +
         BarPlot({"folds", "Held-out metrics per fold", table[0][0], "", false, false, 900, 400},
                 chart);
}

// The transfer-learning curve (curve.csv), when the sweep has one.
std::string CurvePlot(const fs::path& dir) {
  const auto curve = ReadTable(dir / "curve.csv", ',');
  if (curve.size() <= 1) return "";
  std::map<std::string, Series> by_start;
  for (std::size_t i = 1; i < curve.size(); ++i) {
    const auto& r = curve[i];
    if (r.size() < 6) continue;
    Series& s = by_start[r[1]];
    s.name = "from " + r[1] + " (mean over seeds)";
    s.x.push_back(ToNumber(r[0]));
    s.y.push_back(ToNumber(r[3]));
  }
  std::vector<Series> series;
  for (auto& [start, s] : by_start) series.push_back(s);
  return "<h2>Transfer learning</h2>" +
         XyPlot({"curve", "Held-out Pearson vs share of training windows",
                 "share of training windows", "Pearson", true},
                series);
}

// Every fold's validation loss, predictions pooled over folds, and the
// specificity strata averaged over folds.
std::string AcrossFolds(const fs::path& dir, const std::vector<std::string>& folds,
                        const ReportOptions& o) {
  std::string html;
  std::vector<Series> losses;
  Series points;
  std::map<std::string, std::pair<double, int>> strata;  // bin -> sum of Pearson, folds
  std::vector<std::string> bins;
  for (const auto& fold : folds) {
    const fs::path fold_dir = dir / ("fold-" + fold);
    const auto records = ReadRecords(fold_dir);
    Series loss{fold, {}, {}};
    for (const json& r : records) {
      if (r.value("kind", "") != "validation") continue;
      loss.x.push_back(NumberOr(r, "epoch"));
      loss.y.push_back(NumberOr(r, "validation_loss"));
    }
    losses.push_back(loss);
    ReadPredictions(fold_dir, &points);
    if (const json* test = TestRecord(records); test && test->contains("by_specificity")) {
      for (const auto& bin : (*test)["by_specificity"]) {
        const std::string label = bin["bin"];
        const double p = NumberOr(bin["pooled"], "pearson");
        if (!std::isfinite(p)) continue;
        if (!strata.count(label)) bins.push_back(label);
        strata[label].first += p;
        strata[label].second += 1;
      }
    }
  }
  if (!losses.empty())
    html += "<h2>Training</h2>" +
            XyPlot({"loss", "Validation loss per epoch, every fold", "epoch", "loss"}, losses);
  if (!points.x.empty())
    html += ScatterPlot(points, o.max_points, "held-out TSS entries, all folds");
  if (!bins.empty()) {
    BarChart chart{{}, {"mean Pearson over folds"}, {}, {}};
    for (const auto& b : bins) {
      chart.groups.push_back(b + " (" + std::to_string(strata[b].second) + " folds)");
      chart.values.push_back({strata[b].first / strata[b].second});
    }
    html += BarPlot({"specificity", "Pearson by cell-type specificity, mean over folds",
                     "cell types in which the region is accessible", "Pearson"},
                    chart);
  }
  return html;
}

std::string SweepSections(const fs::path& dir, const ReportOptions& o) {
  std::vector<std::string> folds;
  std::string html = FoldTable(dir, &folds);
  html += CurvePlot(dir);
  return html + AcrossFolds(dir, folds, o);
}

}  // namespace

std::string WriteRunReport(const ReportOptions& o) {
  const fs::path dir = o.run_dir;
  const bool sweep = fs::exists(dir / "sweep.csv") || fs::exists(dir / "curve.csv");
  if (!sweep && !fs::exists(dir / "metrics.jsonl"))
    throw Error(ErrorCode::kNotFound,
                "report: " + o.run_dir +
                    " has neither metrics.jsonl (a training run) nor sweep.csv (a sweep)");
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm local{};
  localtime_r(&now, &local);
  char when[64];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", &local);
  const std::string name = fs::absolute(dir).lexically_normal().string();
  std::string html =
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>getps report: " +
      XmlEscape(name) + "</title><style>" + std::string(kReportStyle) +
      "</style></head><body><h1>getps " + (sweep ? "sweep" : "training run") +
      " report</h1><p class=\"meta\">" + XmlEscape(name) + " &middot; generated " + when + "</p>";
  html += sweep ? SweepSections(dir, o) : RunSections(dir, o);
  html += "</body></html>\n";
  const std::string out = o.output.empty() ? (dir / "report.html").string() : o.output;
  WriteFileAtomically(out, html);
  return out;
}

void WriteRunReportAtEnd(const std::string& run_dir) {
  try {
    const std::string path = WriteRunReport({run_dir, "", 3000});
    std::cout << "report: " << path << "\n";
  } catch (const std::exception& e) {  // the run's results stand either way
    LogWarning(std::string("no report: ") + e.what());
  }
}

}  // namespace getps
