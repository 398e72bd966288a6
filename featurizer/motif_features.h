// MotifFeatures: which feature column each motif feeds. Features are motif
// cluster NAMES: a motif -> cluster table (e.g. Vierstra's clusters.0.70.txt,
// "motifs<TAB>cluster" with a header) and an optional cluster annotation
// (motif_annotations.csv: Cluster_ID and Name columns) give each motif its
// cluster's name; clusters sharing a name are merged, so Vierstra v1.0's 286
// clusters give 282 features. Without an annotation the feature is named
// after the cluster id; without a table each motif is its own feature.
// Feature order: clusters in natural order of their ids, first of a name wins.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "featurizer/motif.h"

namespace getps {

struct MotifFeatures {
  std::vector<std::string> names;                 // feature columns
  std::unordered_map<std::string, int> of_motif;  // motif name -> column

  // Column of `motif`; throws Error(kNotFound) naming the motif and table.
  int FeatureOf(const std::string& motif) const;
};

MotifFeatures LoadMotifFeatures(const std::string& cluster_table,
                                const std::string& annotation_csv);
MotifFeatures OneFeaturePerMotif(const std::vector<Motif>& motifs);

}  // namespace getps
