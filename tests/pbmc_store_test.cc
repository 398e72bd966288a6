// A store over the 109,713 real PBMC peaks (synthetic values): natural
// chromosome order and per-chromosome window counts against counts taken
// from the BED file by an independent parser.
#include <gtest/gtest.h>
#include <cstdint>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "storage/chromosome_order.h"
#include "storage/region_bed.h"
#include "storage/store_reader.h"
#include "storage/store_writer.h"
#include "storage/window_plan.h"
#include "tests/test_store.h"

namespace getps {
namespace {

TEST(PbmcStore, WindowCountsMatchAnIndependentCount) {
  const std::string data = testing_util::SharedDataDir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent: skipping the real-peak test";
  const std::string bed = data + "/peaks/pbmc_peaks.hg38.bed";

  // Independent count: per chromosome, all peaks and peaks with an even start.
  std::map<std::string, std::pair<std::uint32_t, std::uint32_t>> expected;
  std::ifstream in(bed);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string chrom;
    long start = 0, end = 0;
    fields >> chrom >> start >> end;
    auto& e = expected[chrom];
    ++e.first;
    if (start % 2 == 0) ++e.second;
  }
  ASSERT_EQ(expected.size(), 24u);

  testing_util::TempDir dir("pbmc");
  StoreMetadata meta;
  meta.feature_names = {"m0", "m1", "m2"};
  meta.genome_build = "hg38";
  StoreWriterOptions wo;
  wo.progress = false;
  auto w =
      StoreWriter::Create(dir.Sub("s"), meta, RegionIndex::FromUnsorted(ReadRegionsBed(bed)), wo);
  const std::uint32_t n = w->regions().size();
  ASSERT_EQ(n, 109713u);
  std::vector<float> row = {1, 2, 3};
  for (std::uint32_t id = 0; id < n; ++id) w->PutMotifScores(id, row);
  std::vector<float> all(n, 1.0f), even(n), zeros(2 * n, 0.0f);
  std::vector<std::uint8_t> tss(2 * n, 0);
  for (std::uint32_t id = 0; id < n; ++id) even[id] = w->regions().start(id) % 2 == 0 ? 1.0f : 0.0f;
  w->AddCellType({"all", "pbmc", 1000, 1, false}, {all, all, zeros, tss});
  w->AddCellType({"even", "pbmc", 1000, 1, false}, {even, even, zeros, tss});
  w->Finish();
  w.reset();

  auto store = StoreReader::Open(dir.Sub("s"));
  const auto& chroms = store->regions().chromosomes();
  ASSERT_EQ(chroms.size(), 24u);
  EXPECT_EQ(chroms[1].name, "chr2");  // the file lists chr10 second
  EXPECT_EQ(chroms[9].name, "chr10");
  EXPECT_EQ(chroms[22].name, "chrX");
  EXPECT_EQ(chroms[23].name, "chrY");
  for (std::size_t c = 1; c < chroms.size(); ++c)
    EXPECT_TRUE(ChromosomeLess(chroms[c - 1].name, chroms[c].name));

  for (std::uint32_t stride : {200u, 100u}) {
    WindowPlanOptions o;
    o.stride = stride;
    WindowPlan plan = WindowPlan::Build(*store, o);
    std::map<std::pair<int, std::string>, std::uint32_t> got;
    for (const Window& win : plan.windows()) ++got[{win.celltype, chroms[win.chrom].name}];
    std::size_t total = 0;
    for (const auto& [chrom, counts] : expected) {
      for (int ct = 0; ct < 2; ++ct) {
        const long nacc = ct == 0 ? counts.first : counts.second;
        const long want = nacc < 200 ? 0 : (nacc - 200) / stride + 1;
        const std::uint32_t have = got[std::make_pair(ct, chrom)];
        EXPECT_EQ(have, static_cast<std::uint32_t>(want))
            << chrom << " cell type " << ct << " stride " << stride;
        total += static_cast<std::size_t>(want);
      }
    }
    EXPECT_EQ(plan.size(), total);
    std::printf("checked: stride %u: %zu windows over %zu chromosomes x 2 cell types\n", stride,
                total, expected.size());
  }
}

}  // namespace
}  // namespace getps
