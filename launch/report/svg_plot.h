// Small self-contained SVG charts for the HTML run report: x-y plots (lines
// or scatter) and grouped bar charts, with axes, ticks, legends and
// reference lines. No scripts, fonts or external files: the SVG text is the
// whole chart. Non-finite values are left out; text is XML-escaped.
// Each chart's root is <svg class="plot" id="plot-ID" data-points="N">,
// N the number of marks drawn, so a test can find it in the page.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace getps {

struct PlotFrame {
  std::string id;     // unique in the page: the root's id is "plot-" + id
  std::string title;  // drawn above the chart
  std::string x_label, y_label;
  bool log_x = false;     // x on a log10 axis (values <= 0 left out)
  bool diagonal = false;  // x-y plots: draw y = x (predicted vs observed)
  int width = 640, height = 380;
};

struct Series {
  std::string name;
  std::vector<double> x, y;
  bool line = true;  // join the points with a line; else markers only
  bool dashed = false;
};

// An x-y chart of every series, axes fitted to all finite points.
std::string XyPlot(const PlotFrame& frame, const std::vector<Series>& series);

// Grouped bars: values[g][s] is series s in group g (NaN: no bar).
struct BarChart {
  std::vector<std::string> groups;  // x-axis labels
  std::vector<std::string> series;  // legend names
  std::vector<std::vector<double>> values;
  // Horizontal reference lines, e.g. the mean, min and max over folds.
  std::vector<std::pair<std::string, double>> lines;
};
std::string BarPlot(const PlotFrame& frame, const BarChart& chart);

std::string XmlEscape(std::string_view text);

}  // namespace getps
