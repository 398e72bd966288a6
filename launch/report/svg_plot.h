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

// A heat map: values[r][c] coloured blue (negative) - white - red
// (positive), scaled by the largest |value|; NaN cells are grey. Row labels
// on the left, column labels rotated above.
struct Heatmap {
  std::vector<std::string> rows, columns;
  std::vector<std::vector<double>> values;
};
std::string HeatmapPlot(const PlotFrame& frame, const Heatmap& map);

std::string XmlEscape(std::string_view text);

// The style sheet of every getps HTML page.
inline constexpr const char* kReportStyle =
    "body{font-family:sans-serif;margin:24px auto;max-width:960px;color:#222}"
    "h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;"
    "text-align:right}td:first-child,th:first-child{text-align:left}.meta{color:#666}"
    "svg.plot{display:block;margin:12px 0}";

}  // namespace getps
