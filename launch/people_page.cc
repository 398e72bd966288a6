#include "launch/people_page.h"

#include <algorithm>
#include <cmath>

#include "launch/report/svg_plot.h"
#include "worker/metrics.h"

namespace getps::cli {
namespace {

constexpr double kEdges[] = {0.0, 0.05, 0.2, 0.5, 1.0};

// The finite values sorted, against their quantile.
Series Sorted(const std::string& name, std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  std::sort(v.begin(), v.end());
  Series s{name, {}, {}, true};
  for (std::size_t i = 0; i < v.size(); ++i) {
    s.x.push_back((static_cast<double>(i) + 0.5) / static_cast<double>(v.size()));
    s.y.push_back(v[i]);
  }
  return s;
}

}  // namespace

std::string PeoplePage(const std::vector<double>& pearson, const std::vector<double>& ridge_pearson,
                       const std::string& meta) {
  std::string html =
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>getps genotypes evaluate</title>"
      "<style>" +
      std::string(kReportStyle) +
      "</style></head><body><h1>Accuracy across people</h1><p class=\"meta\">" + XmlEscape(meta) +
      "</p>";
  html += "<h2>Per-gene Pearson across held-out people</h2>" +
          XyPlot({"distribution", "Per-gene Pearson, sorted", "quantile of genes", "Pearson"},
                 {Sorted("model", pearson), Sorted("cis ridge", ridge_pearson)});
  Series scatter{"genes", {}, {}, false};
  BarChart bars;
  bars.series = {"model", "cis ridge"};
  std::vector<std::vector<double>> model(4), ridge(4);
  for (std::size_t g = 0; g < pearson.size(); ++g) {
    if (!std::isfinite(pearson[g]) || !std::isfinite(ridge_pearson[g])) continue;
    const double cis = ridge_pearson[g] * ridge_pearson[g];
    scatter.x.push_back(cis);
    scatter.y.push_back(pearson[g]);
    for (int b = 0; b < 4; ++b) {
      if (cis < kEdges[b] || (cis >= kEdges[b + 1] && b < 3)) continue;
      model[static_cast<std::size_t>(b)].push_back(pearson[g]);
      ridge[static_cast<std::size_t>(b)].push_back(ridge_pearson[g]);
      break;
    }
  }
  html +=
      "<h2>Against the cis baseline</h2><p class=\"meta\">cis R2: the ridge on the gene's "
      "window variants, fitted on the training people (a proxy for cis heritability).</p>" +
      XyPlot({"versus-cis", "Model Pearson against cis R2", "cis R2", "model Pearson"}, {scatter});
  for (int b = 0; b < 4; ++b) {
    const auto i = static_cast<std::size_t>(b);
    bars.groups.push_back(std::to_string(kEdges[b]).substr(0, 4) + "-" +
                          std::to_string(kEdges[b + 1]).substr(0, 4) + " (" +
                          std::to_string(model[i].size()) + ")");
    bars.values.push_back({Median(model[i]), Median(ridge[i])});
  }
  html +=
      BarPlot({"bins", "Median Pearson by cis R2 bin (genes)", "cis R2", "median Pearson"}, bars);
  return html + "</body></html>\n";
}

}  // namespace getps::cli
