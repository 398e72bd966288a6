#include "featurizer/motif_features.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "tests/test_store.h"

namespace getps {
namespace {

TEST(MotifFeatures, ClustersSharingANameMerge) {
  testing_util::TempDir dir("features");
  std::ofstream(dir.Sub("c.tsv")) << "motifs\tcluster\nm1\t10\nm2\t2\nm3\t2\nm4\t3\n";
  std::ofstream(dir.Sub("a.csv")) << "Cluster_ID,Motif,Name\n2,m2,\"GATA\"\n3,m4,KLF\n10,m1,GATA\n";
  MotifFeatures f = LoadMotifFeatures(dir.Sub("c.tsv"), dir.Sub("a.csv"));
  EXPECT_EQ(f.names, (std::vector<std::string>{"GATA", "KLF"}));  // ids in natural order: 2, 3, 10
  EXPECT_EQ(f.FeatureOf("m1"), 0);
  EXPECT_EQ(f.FeatureOf("m4"), 1);
  EXPECT_THROW(f.FeatureOf("m9"), std::exception);
  MotifFeatures ids = LoadMotifFeatures(dir.Sub("c.tsv"), "");
  EXPECT_EQ(ids.names, (std::vector<std::string>{"cluster_2", "cluster_3", "cluster_10"}));
}

TEST(MotifFeatures, VierstraGives282Features) {
  const std::string data = testing_util::SharedDataDir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent";
  const std::string v = data + "/motifs/vierstra-v1.0/";
  MotifFeatures f = LoadMotifFeatures(v + "clusters.0.70.txt", v + "motif_annotations.csv");
  EXPECT_EQ(f.names.size(), 282u);
  EXPECT_EQ(f.of_motif.size(), 2179u);
  EXPECT_EQ(f.names.front(), "HD/1");
  EXPECT_EQ(std::count(f.names.begin(), f.names.end(), "SMAD"), 1);
}

}  // namespace
}  // namespace getps
