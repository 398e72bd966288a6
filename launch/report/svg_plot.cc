#include "launch/report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace getps {
namespace {

constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                   "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};
const char* Color(std::size_t i) { return kColors[i % (sizeof kColors / sizeof *kColors)]; }

std::string Num(double v) {
  char s[32];
  std::snprintf(s, sizeof s, "%.4g", v);
  return s;
}

// Pixel area of the chart inside the frame: axes and labels outside it, the
// title and the legend's rows above it.
struct Area {
  double left, right, top, bottom;
};

// Legend items laid out in rows under the title: x offset and row of each.
struct LegendLayout {
  std::vector<std::pair<double, int>> at;
  int rows = 0;
};
LegendLayout LayOutLegend(const PlotFrame& f, const std::vector<std::string>& names) {
  LegendLayout l;
  if (names.size() < 2) return l;
  double x = 0;
  const double width = f.width - 90.0;
  l.rows = 1;
  for (const auto& name : names) {
    const double w = 24 + 7.0 * static_cast<double>(name.size());
    if (x > 0 && x + w > width) {
      x = 0;
      ++l.rows;
    }
    l.at.emplace_back(x, l.rows - 1);
    x += w;
  }
  return l;
}

Area AreaOf(const PlotFrame& f, const LegendLayout& legend, double bottom_margin = 52) {
  return {70, f.width - 20.0, 40 + 16.0 * legend.rows, f.height - bottom_margin};
}

// Maps data values onto [p0, p1] pixels, linearly or on log10.
struct Scale {
  double lo, hi, p0, p1;
  bool log = false;
  double operator()(double v) const {
    const double a = log ? std::log10(lo) : lo, b = log ? std::log10(hi) : hi;
    const double x = log ? std::log10(v) : v;
    return p0 + (x - a) / (b - a) * (p1 - p0);
  }
};

// The finite range of `values`, widened 5 % (and to a unit when flat).
std::pair<double, double> RangeOf(const std::vector<double>& values, bool log) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values) {
    if (!std::isfinite(v) || (log && v <= 0)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (!std::isfinite(lo)) return log ? std::pair{1.0, 10.0} : std::pair{0.0, 1.0};
  if (log) return {lo / 1.3, hi * 1.3};
  if (hi - lo < 1e-12) return {lo - 0.5, hi + 0.5};
  const double pad = 0.05 * (hi - lo);
  return {lo - pad, hi + pad};
}

// Round tick values covering [lo, hi]: steps of 1, 2 or 5 x 10^k; powers of
// ten on a log axis.
std::vector<double> Ticks(double lo, double hi, bool log) {
  std::vector<double> ticks;
  if (log) {
    for (double p = std::pow(10, std::floor(std::log10(lo))); p <= hi; p *= 10)
      if (p >= lo) ticks.push_back(p);
    if (ticks.size() < 2) ticks = {lo, hi};
    return ticks;
  }
  const double raw = (hi - lo) / 5, magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = 10 * magnitude;
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  }
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step)
    ticks.push_back(std::fabs(v) < 1e-9 * step ? 0 : v);
  return ticks;
}

std::string Open(const PlotFrame& f, std::size_t marks) {
  const std::string w = std::to_string(f.width), h = std::to_string(f.height);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" id=\"plot-" + XmlEscape(f.id) +
         "\" data-points=\"" + std::to_string(marks) + "\" width=\"" + w + "\" height=\"" + h +
         "\" viewBox=\"0 0 " + w + " " + h + "\" font-family=\"sans-serif\" font-size=\"12\">" +
         "<title>" + XmlEscape(f.title) + "</title><text x=\"" + std::to_string(f.width / 2) +
         "\" y=\"22\" text-anchor=\"middle\" font-weight=\"bold\" font-size=\"14\">" +
         XmlEscape(f.title) + "</text>";
}

std::string Line(double x1, double y1, double x2, double y2, const std::string& style) {
  return "<line x1=\"" + Num(x1) + "\" y1=\"" + Num(y1) + "\" x2=\"" + Num(x2) + "\" y2=\"" +
         Num(y2) + "\" " + style + "/>";
}

std::string Text(double x, double y, const std::string& text, const std::string& attrs) {
  return "<text x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" " + attrs + ">" + XmlEscape(text) +
         "</text>";
}

// Frame, y ticks with grid lines, and the axis labels.
std::string Axes(const PlotFrame& f, const Area& a, const Scale& y, bool log_y = false) {
  std::string s = "<rect x=\"" + Num(a.left) + "\" y=\"" + Num(a.top) + "\" width=\"" +
                  Num(a.right - a.left) + "\" height=\"" + Num(a.bottom - a.top) +
                  "\" fill=\"none\" stroke=\"#444\"/>";
  for (double t : Ticks(y.lo, y.hi, log_y)) {
    s += Line(a.left, y(t), a.right, y(t), "stroke=\"#ddd\"");
    s += Text(a.left - 6, y(t) + 4, Num(t), "text-anchor=\"end\"");
  }
  s += Text(a.left + (a.right - a.left) / 2, f.height - 8.0, f.x_label, "text-anchor=\"middle\"");
  const double mid = a.top + (a.bottom - a.top) / 2;
  s += "<text x=\"16\" y=\"" + Num(mid) + "\" text-anchor=\"middle\" transform=\"rotate(-90 16 " +
       Num(mid) + ")\">" + XmlEscape(f.y_label) + "</text>";
  return s;
}

std::string Legend(const LegendLayout& l, const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < l.at.size(); ++i) {
    const double x = 70 + l.at[i].first, y = 44 + 16.0 * l.at[i].second;
    s += "<rect x=\"" + Num(x) + "\" y=\"" + Num(y - 9) + "\" width=\"10\" height=\"10\" fill=\"" +
         Color(i) + "\"/>";
    s += Text(x + 14, y, names[i], "");
  }
  return s;
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string XyPlot(const PlotFrame& f, const std::vector<Series>& series) {
  std::vector<double> xs, ys;
  for (const Series& s : series) {
    xs.insert(xs.end(), s.x.begin(), s.x.end());
    ys.insert(ys.end(), s.y.begin(), s.y.end());
  }
  auto [x0, x1] = RangeOf(xs, f.log_x);
  auto [y0, y1] = RangeOf(ys, false);
  if (f.diagonal) {  // the same range on both axes, so y = x is the diagonal
    x0 = y0 = std::min(x0, y0);
    x1 = y1 = std::max(x1, y1);
  }
  std::vector<std::string> names;
  for (const Series& s : series) names.push_back(s.name);
  const LegendLayout legend = LayOutLegend(f, names);
  const Area a = AreaOf(f, legend);
  const Scale x{x0, x1, a.left, a.right, f.log_x}, y{y0, y1, a.bottom, a.top};
  std::string body = Axes(f, a, y);
  for (double t : Ticks(x0, x1, f.log_x)) {
    body += Line(x(t), a.bottom, x(t), a.bottom + 5, "stroke=\"#444\"");
    body += Text(x(t), a.bottom + 18, Num(t), "text-anchor=\"middle\"");
  }
  if (f.diagonal)
    body += Line(x(x0), y(y0), x(x1), y(y1), "stroke=\"#999\" stroke-dasharray=\"4 3\"");
  std::size_t marks = 0;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    std::string points, dots;
    const bool many = s.x.size() > 60;
    for (std::size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
      if (!std::isfinite(s.x[k]) || !std::isfinite(s.y[k]) || (f.log_x && s.x[k] <= 0)) continue;
      const std::string px = Num(x(s.x[k])), py = Num(y(s.y[k]));
      points += px + "," + py + " ";
      if (!s.line || !many)
        dots += "<circle cx=\"" + px + "\" cy=\"" + py + "\" r=\"" + (s.line ? "3" : "2") + "\"/>";
      ++marks;
    }
    body += "<g class=\"series\" fill=\"" + std::string(Color(i)) + "\" fill-opacity=\"" +
            (s.line ? "1" : "0.45") + "\">";
    if (s.line)
      body += "<polyline fill=\"none\" stroke=\"" + std::string(Color(i)) +
              "\" stroke-width=\"2\"" + (s.dashed ? " stroke-dasharray=\"6 4\"" : "") +
              " points=\"" + points + "\"/>";
    body += dots + "</g>";
  }
  body += Legend(legend, names);
  if (marks == 0)
    body +=
        Text((a.left + a.right) / 2, (a.top + a.bottom) / 2, "no data", "text-anchor=\"middle\"");
  return Open(f, marks) + body + "</svg>";
}

std::string BarPlot(const PlotFrame& f, const BarChart& c) {
  std::vector<double> values = {0};
  for (const auto& row : c.values) values.insert(values.end(), row.begin(), row.end());
  for (const auto& [name, v] : c.lines) values.push_back(v);  // RangeOf skips non-finite
  auto [y0, y1] = RangeOf(values, false);
  if (*std::min_element(values.begin(), values.end()) >= 0) y0 = 0;  // bars rise from the axis
  std::size_t longest = 0;
  for (const auto& g : c.groups) longest = std::max(longest, g.size());
  const bool slanted = c.groups.size() * std::max<std::size_t>(longest, 3) * 7 > 560;
  const LegendLayout legend = LayOutLegend(f, c.series);
  const Area a = AreaOf(f, legend, slanted ? 80 : 52);
  const Scale y{y0, y1, a.bottom, a.top};
  std::string body = Axes(f, a, y);
  const double group_w =
      (a.right - a.left) / static_cast<double>(std::max<std::size_t>(1, c.groups.size()));
  const double bar_w =
      group_w * 0.8 / static_cast<double>(std::max<std::size_t>(1, c.series.size()));
  std::size_t marks = 0;
  for (std::size_t g = 0; g < c.groups.size(); ++g) {
    const double gx = a.left + group_w * static_cast<double>(g);
    for (std::size_t s = 0; s < c.series.size() && g < c.values.size() && s < c.values[g].size();
         ++s) {
      const double v = c.values[g][s];
      if (!std::isfinite(v)) continue;
      const double top = std::min(y(v), y(0)), h = std::fabs(y(v) - y(0));
      body += "<rect class=\"bar\" x=\"" +
              Num(gx + group_w * 0.1 + bar_w * static_cast<double>(s)) + "\" y=\"" + Num(top) +
              "\" width=\"" + Num(bar_w) + "\" height=\"" + Num(h) + "\" fill=\"" + Color(s) +
              "\"><title>" + XmlEscape(c.groups[g] + " " + c.series[s] + ": " + Num(v)) +
              "</title></rect>";
      ++marks;
    }
    const double lx = gx + group_w / 2, ly = a.bottom + 16;
    body +=
        slanted
            ? Text(lx, ly, c.groups[g],
                   "text-anchor=\"end\" transform=\"rotate(-40 " + Num(lx) + " " + Num(ly) + ")\"")
            : Text(lx, ly, c.groups[g], "text-anchor=\"middle\"");
  }
  body += Line(a.left, y(0), a.right, y(0), "stroke=\"#444\"");
  // Labels of the reference lines stagger leftwards, so close lines (a
  // mean between a near min and max) stay readable.
  double label_x = a.right - 4;
  for (const auto& [name, v] : c.lines) {
    if (!std::isfinite(v)) continue;
    body += Line(a.left, y(v), a.right, y(v), "stroke=\"#000\" stroke-dasharray=\"5 4\"");
    body += Text(label_x, y(v) - 3, name + " " + Num(v),
                 "text-anchor=\"end\" font-size=\"11\" paint-order=\"stroke\" stroke=\"#fff\" "
                 "stroke-width=\"3\"");
    label_x -= 150;
  }
  body += Legend(legend, c.series);
  return Open(f, marks) + body + "</svg>";
}

namespace {

// Blue (-1) - white (0) - red (+1); grey for NaN.
std::string Diverging(double t) {
  if (!std::isfinite(t)) return "#bbbbbb";
  t = std::clamp(t, -1.0, 1.0);
  const int fade = static_cast<int>(std::lround(255 * (1 - std::abs(t))));
  char s[8];
  if (t >= 0)
    std::snprintf(s, sizeof s, "#ff%02x%02x", fade, fade);
  else
    std::snprintf(s, sizeof s, "#%02x%02xff", fade, fade);
  return s;
}

}  // namespace

std::string HeatmapPlot(const PlotFrame& f, const Heatmap& m) {
  double largest = 0;
  for (const auto& row : m.values)
    for (double v : row)
      if (std::isfinite(v)) largest = std::max(largest, std::abs(v));
  const double left = 110, top = 110, right = f.width - 20.0, bottom = f.height - 20.0;
  const double cw = m.columns.empty() ? 0 : (right - left) / static_cast<double>(m.columns.size());
  const double ch = m.rows.empty() ? 0 : (bottom - top) / static_cast<double>(m.rows.size());
  std::string body;
  std::size_t marks = 0;
  for (std::size_t r = 0; r < m.rows.size(); ++r) {
    const double y = top + ch * static_cast<double>(r);
    body += Text(left - 4, y + ch / 2 + 4, m.rows[r], "text-anchor=\"end\" font-size=\"10\"");
    for (std::size_t c = 0; c < m.columns.size() && c < m.values[r].size(); ++c) {
      const double v = m.values[r][c];
      body += "<rect x=\"" + Num(left + cw * static_cast<double>(c)) + "\" y=\"" + Num(y) +
              "\" width=\"" + Num(cw) + "\" height=\"" + Num(ch) + "\" fill=\"" +
              Diverging(largest > 0 ? v / largest : 0) + "\"><title>" +
              XmlEscape(m.rows[r] + " " + m.columns[c] + ": " + Num(v)) + "</title></rect>";
      ++marks;
    }
  }
  for (std::size_t c = 0; c < m.columns.size(); ++c) {
    const double x = left + cw * (static_cast<double>(c) + 0.5), y = top - 4;
    body += Text(x, y, m.columns[c],
                 "font-size=\"10\" transform=\"rotate(-60 " + Num(x) + " " + Num(y) + ")\"");
  }
  return Open(f, marks) + body + "</svg>";
}

}  // namespace getps
