#include "launch/explain_page.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

#include "launch/report/svg_plot.h"

namespace getps::cli {
namespace {

constexpr std::size_t kPageFeatures = 20;

std::string Label(const GeneTask& t, const std::vector<std::string>& celltypes) {
  return t.gene.name + " (" + celltypes[static_cast<std::size_t>(t.celltype)] + ")";
}

// Task indices by decreasing output, the first n.
std::vector<std::size_t> Highest(const std::vector<float>& outputs, std::size_t n) {
  std::vector<std::size_t> order(outputs.size());
  std::iota(order.begin(), order.end(), 0);
  n = std::min(n, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
                    [&](std::size_t a, std::size_t b) { return outputs[a] > outputs[b]; });
  order.resize(n);
  return order;
}

// What the page draws, read from the shards in one pass.
struct PageData {
  std::vector<double> mean_abs;                 // per feature, over every gene
  std::vector<std::vector<float>> motif;        // per chosen gene
  std::vector<std::vector<float>> norm, score;  // per chosen gene, per region
  std::vector<std::vector<std::int64_t>> ids;   // per chosen gene, per region
};

PageData ReadPageData(const ExplainJob& job, const std::vector<std::size_t>& chosen) {
  const std::size_t f = job.spec().features, r = kRegionsPerWindow;
  PageData d;
  d.mean_abs.assign(f, 0);
  d.motif.resize(chosen.size());
  d.norm.resize(chosen.size());
  d.score.resize(chosen.size());
  d.ids.resize(chosen.size());
  for (std::size_t k = 0; k < job.shards(); ++k) {
    const auto e = job.ReadShard(k);
    const auto* m = e.motif.contiguous().data_ptr<float>();
    for (std::size_t i = 0; i < job.ShardCount(k) * f; ++i)
      d.mean_abs[i % f] += std::abs(m[i]) / static_cast<double>(job.spec().tasks);
    for (std::size_t c = 0; c < chosen.size(); ++c) {
      if (chosen[c] < job.ShardFirst(k) || chosen[c] >= job.ShardFirst(k) + job.ShardCount(k))
        continue;
      const auto g = static_cast<std::int64_t>(chosen[c] - job.ShardFirst(k));
      auto row = [](const torch::Tensor& t) { return t.contiguous(); };
      const auto mg = row(e.motif[g]), ng = row(e.region_norm[g]), sg = row(e.score[g]);
      const auto ig = row(e.region_ids[g]);
      d.motif[c].assign(mg.data_ptr<float>(), mg.data_ptr<float>() + f);
      d.norm[c].assign(ng.data_ptr<float>(), ng.data_ptr<float>() + r);
      d.score[c].assign(sg.data_ptr<float>(), sg.data_ptr<float>() + r);
      d.ids[c].assign(ig.data_ptr<std::int64_t>(), ig.data_ptr<std::int64_t>() + r);
    }
  }
  return d;
}

std::string HeatmapSection(const std::vector<GeneTask>& tasks,
                           const std::vector<std::string>& celltypes,
                           const std::vector<std::string>& features,
                           const std::vector<std::size_t>& chosen, const PageData& d) {
  std::vector<std::size_t> columns(features.size());
  std::iota(columns.begin(), columns.end(), 0);
  std::sort(columns.begin(), columns.end(),
            [&](std::size_t a, std::size_t b) { return d.mean_abs[a] > d.mean_abs[b]; });
  columns.resize(std::min(columns.size(), kPageFeatures));
  Heatmap map;
  for (const auto c : columns) map.columns.push_back(features[c]);
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    map.rows.push_back(Label(tasks[chosen[i]], celltypes));
    std::vector<double> row;
    for (const auto c : columns) row.push_back(d.motif[i][c]);
    map.values.push_back(std::move(row));
  }
  PlotFrame frame{"motifs", "Feature importance: top features x genes of the highest outputs", "",
                  ""};
  frame.width = 900;
  frame.height = 140 + 14 * static_cast<int>(chosen.size());
  return "<h2>Top features by gene</h2><p class=\"meta\">Signed importance; red raises the "
         "output, blue lowers it. Columns: the " +
         std::to_string(columns.size()) +
         " features of the largest mean |importance| over every gene.</p>" +
         HeatmapPlot(frame, map);
}

std::string TrackSection(const std::vector<GeneTask>& tasks,
                         const std::vector<std::string>& celltypes, const StoreReader& store,
                         const std::vector<std::size_t>& chosen, const PageData& d,
                         std::size_t tracks) {
  std::string html = "<h2>Region importance around the TSS</h2>";
  for (std::size_t i = 0; i < std::min(tracks, chosen.size()); ++i) {
    const auto& t = tasks[chosen[i]];
    Series norm{"Jacobian norm", {}, {}, false}, score{"enhancer-gene score / max", {}, {}, false};
    const double top = *std::max_element(d.score[i].begin(), d.score[i].end());
    for (std::size_t r = 0; r < d.ids[i].size(); ++r) {
      const auto id = static_cast<std::uint32_t>(d.ids[i][r]);
      const double kb = static_cast<double>(DistanceToTss(t.gene, store.regions().start(id),
                                                          store.regions().end(id))) /
                        1000.0;
      norm.x.push_back(kb);
      norm.y.push_back(d.norm[i][r]);
      score.x.push_back(kb);
      score.y.push_back(top > 0 ? d.score[i][r] / top : 0.0);
    }
    PlotFrame frame{"track-" + std::to_string(i), Label(t, celltypes), "distance to TSS (kb)",
                    "importance (1 = the gene's largest)"};
    html += XyPlot(frame, {norm, score});
  }
  return html;
}

}  // namespace

std::string ExplainPage(const ExplainJob& job, const std::vector<GeneTask>& tasks,
                        const std::vector<std::string>& celltypes, const StoreReader& store,
                        const std::vector<float>& outputs, const std::vector<std::string>& features,
                        const ExplainOutputOptions& options) {
  const auto chosen = Highest(outputs, options.page_genes);
  const auto data = ReadPageData(job, chosen);
  const auto& spec = job.spec();
  std::string html =
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>getps explain</title><style>" +
      std::string(kReportStyle) + "</style></head><body><h1>getps explain</h1><p class=\"meta\">" +
      XmlEscape(spec.checkpoint) + " on " + XmlEscape(spec.store) + " &middot; " +
      std::to_string(spec.tasks) + " genes x cell types &middot; method " +
      kAttributionMethods.Name(spec.method) + " &middot; distance prior " +
      kDistancePriors.Name(spec.prior) + "</p>";
  if (chosen.empty()) return html + "<p>No gene was explained.</p></body></html>\n";
  html += HeatmapSection(tasks, celltypes, features, chosen, data);
  html += TrackSection(tasks, celltypes, store, chosen, data, options.page_tracks);
  return html + "</body></html>\n";
}

}  // namespace getps::cli
