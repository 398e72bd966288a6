#include "featurizer/motif_features.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/error.h"
#include "featurizer/text_reader.h"
#include "storage/chromosome_order.h"

namespace getps {
namespace {

// Minimal CSV field split with double-quote support (no embedded newlines).
std::vector<std::string> CsvFields(std::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back().push_back(c);
    }
  }
  return out;
}

}  // namespace

int MotifFeatures::FeatureOf(const std::string& motif) const {
  auto it = of_motif.find(motif);
  if (it == of_motif.end()) {
    throw Error(ErrorCode::kNotFound,
                "motif " + motif + " has no cluster in the motif cluster table");
  }
  return it->second;
}

MotifFeatures LoadMotifFeatures(const std::string& cluster_table,
                                const std::string& annotation_csv) {
  std::map<std::string, std::string> cluster_name;  // cluster id -> name
  if (!annotation_csv.empty()) {
    TextReader in(annotation_csv);
    std::string_view line;
    if (!in.Next(&line)) throw Error(ErrorCode::kInvalidArgument, annotation_csv + ": empty file");
    auto header = CsvFields(line);
    auto id_col = std::find(header.begin(), header.end(), "Cluster_ID") - header.begin();
    auto name_col = std::find(header.begin(), header.end(), "Name") - header.begin();
    if (id_col == static_cast<long>(header.size()) ||
        name_col == static_cast<long>(header.size())) {
      throw Error(ErrorCode::kInvalidArgument,
                  in.Where() + "expected a header with Cluster_ID and Name columns");
    }
    while (in.Next(&line)) {
      if (line.empty()) continue;
      auto f = CsvFields(line);
      if (f.size() != header.size()) {
        throw Error(ErrorCode::kInvalidArgument, in.Where() + "expected " +
                                                     std::to_string(header.size()) +
                                                     " fields, got " + std::to_string(f.size()));
      }
      const std::string& id = f[static_cast<std::size_t>(id_col)];
      const std::string& name = f[static_cast<std::size_t>(name_col)];
      auto [it, inserted] = cluster_name.emplace(id, name);
      if (!inserted && it->second != name) {
        throw Error(ErrorCode::kInvalidArgument, in.Where() + "cluster " + id + " named both '" +
                                                     it->second + "' and '" + name + "'");
      }
    }
  }
  TextReader in(cluster_table);
  std::string_view line;
  std::vector<std::pair<std::string, std::string>> motif_cluster;
  std::set<std::string> seen;
  while (in.Next(&line)) {
    if (line.empty() || line[0] == '#') continue;
    std::string_view f[3];
    if (SplitFields(line, '\t', f, 3) != 2) {
      throw Error(ErrorCode::kInvalidArgument,
                  in.Where() + "expected 2 tab-separated columns: motif, cluster");
    }
    if (in.line_number() == 1 && f[0] == "motifs") continue;  // header
    if (!seen.insert(std::string(f[0])).second) {
      throw Error(ErrorCode::kInvalidArgument,
                  in.Where() + "motif " + std::string(f[0]) + " listed twice");
    }
    motif_cluster.emplace_back(f[0], f[1]);
  }
  std::vector<std::string> ids;
  for (const auto& [m, c] : motif_cluster) ids.push_back(c);
  std::sort(ids.begin(), ids.end(), ChromosomeLess);  // natural order of ids ("2" < "10")
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  MotifFeatures features;
  std::map<std::string, int> column_of_cluster;
  std::map<std::string, int> column_of_name;
  for (const auto& id : ids) {
    std::string name = "cluster_" + id;
    if (!cluster_name.empty()) {
      auto it = cluster_name.find(id);
      if (it == cluster_name.end()) {
        throw Error(ErrorCode::kInvalidArgument,
                    annotation_csv + ": no Name for cluster " + id + " of " + cluster_table);
      }
      name = it->second;
    }
    auto [it, inserted] = column_of_name.emplace(name, static_cast<int>(features.names.size()));
    if (inserted) features.names.push_back(name);
    column_of_cluster[id] = it->second;
  }
  for (const auto& [m, c] : motif_cluster) features.of_motif[m] = column_of_cluster[c];
  return features;
}

MotifFeatures OneFeaturePerMotif(const std::vector<Motif>& motifs) {
  MotifFeatures features;
  for (const auto& m : motifs) {
    if (features.of_motif.emplace(m.name, static_cast<int>(features.names.size())).second) {
      features.names.push_back(m.name);
    }
  }
  return features;
}

}  // namespace getps
