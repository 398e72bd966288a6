#include "storage/genotype_overlay.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <algorithm>

#include "common/error.h"
#include "storage/batch_assembler.h"
#include "storage/store_reader.h"
#include "test_store.h"

namespace getps {
namespace {

using testing_util::HandMotif;
using testing_util::kMotifs;
using testing_util::TempDir;

// A genotype store over `store` where individual 1 differs at region 5
// (chr1) and region 1003 (chr2); individual 0 is the reference.
std::string WriteGenotypes(const TempDir& dir, const StoreReader& store,
                           const std::string& fingerprint) {
  const std::string path = dir.Sub("g");
  auto writer = GenotypeWriter::Create(path, false);
  writer->PutPersonDelta(1, 5, {{0, 3}, {2.5f, -1}});
  writer->PutPersonDelta(1, 1003, {{1, 4}, {20, 0.5f}});
  GenotypeMetadata meta;
  meta.store = store.path();
  meta.store_fingerprint = fingerprint;
  meta.individuals = {"REF", "ALT"};
  meta.num_features = kMotifs;
  writer->Finish(meta);
  return path;
}

TEST(GenotypeOverlay, RewritesThePersonsRegionsWithTheReferenceNormalisation) {
  TempDir dir("genotype_overlay");
  testing_util::WriteHandStore(dir.Sub("store"));
  auto store = StoreReader::Open(dir.Sub("store"));
  auto genotypes = GenotypeReader::Open(WriteGenotypes(dir, *store, store->fingerprint()));
  const BatchAssembler assembler(*store, {10, AtacMode::kQuantitative});
  const std::vector<Window> windows{{0, 0, 0}, {0, 1, 0}, {1, 0, 0}};
  Batch reference, person;
  assembler.Assemble(windows, &reference);
  assembler.Assemble(windows, &person);
  GenotypeOverlay(*store, *genotypes, 0).Apply(&person);
  EXPECT_EQ(person.features, reference.features);  // the reference individual

  const GenotypeOverlay alt(*store, *genotypes, 1);
  EXPECT_EQ(alt.changed_regions(), 2u);
  alt.Apply(&person);
  const std::size_t f = person.num_features;
  std::size_t rewritten = 0;
  for (std::size_t slot = 0; slot < windows.size(); ++slot) {
    const auto& scale = store->MotifScale(windows[slot].celltype);
    for (std::size_t r = 0; r < 10; ++r) {
      const std::uint32_t id = person.region_ids[slot * 10 + r];
      const float* got = person.features.data() + (slot * 10 + r) * f;
      const float* ref = reference.features.data() + (slot * 10 + r) * f;
      if (id != 5 && id != 1003) {
        EXPECT_TRUE(std::equal(got, got + f, ref)) << "region " << id;
        continue;
      }
      ++rewritten;
      for (std::uint32_t j = 0; j < kMotifs; ++j) {
        float raw = HandMotif(id, j);
        if (id == 5) raw += j == 0 ? 2.5f : j == 3 ? -1.0f : 0.0f;
        if (id == 1003) raw += j == 1 ? 20.0f : j == 4 ? 0.5f : 0.0f;
        EXPECT_FLOAT_EQ(got[j], std::min(raw * scale[j], 1.0f))
            << "region " << id << " motif " << j;
      }
      EXPECT_EQ(got[kMotifs], ref[kMotifs]);  // accessibility is the reference's
    }
  }
  EXPECT_EQ(rewritten, 2u);  // region 5 in window 0 (cell type "all"); 1003 in window 1
}

TEST(GenotypeOverlay, SaysWhichWindowsItChangesAndRewritesOneAlone) {
  TempDir dir("genotype_overlay_slot");
  testing_util::WriteHandStore(dir.Sub("store"));
  auto store = StoreReader::Open(dir.Sub("store"));
  auto genotypes = GenotypeReader::Open(WriteGenotypes(dir, *store, store->fingerprint()));
  const BatchAssembler assembler(*store, {10, AtacMode::kQuantitative});
  // chr1 regions 0-9 (holds 5), chr2 1000-1009 (holds 1003), chr1's regions
  // of cell type "third" (ids divisible by 3: not 5).
  const std::vector<Window> windows{{0, 0, 0}, {0, 1, 0}, {1, 0, 0}};
  Batch reference, one, all;
  assembler.Assemble(windows, &reference);
  assembler.Assemble(windows, &one);
  assembler.Assemble(windows, &all);
  const GenotypeOverlay alt(*store, *genotypes, 1), ref(*store, *genotypes, 0);
  EXPECT_TRUE(alt.Changes(reference, 0));
  EXPECT_TRUE(alt.Changes(reference, 1));
  EXPECT_FALSE(alt.Changes(reference, 2));
  EXPECT_FALSE(ref.Changes(reference, 0));
  alt.ApplyToSlot(&one, 1);
  alt.Apply(&all);
  const std::size_t per_window = 10 * one.num_features;
  auto window = [&](const Batch& b, std::size_t slot) {
    return std::vector<float>(b.features.begin() + slot * per_window,
                              b.features.begin() + (slot + 1) * per_window);
  };
  EXPECT_EQ(window(one, 0), window(reference, 0));  // only slot 1 rewritten
  EXPECT_EQ(window(one, 1), window(all, 1));
  EXPECT_NE(window(one, 1), window(reference, 1));
  EXPECT_EQ(window(one, 2), window(reference, 2));
}

TEST(GenotypeOverlay, RefusesAGenotypeStoreOfAnotherStore) {
  TempDir dir("genotype_overlay_other");
  testing_util::WriteHandStore(dir.Sub("store"));
  auto store = StoreReader::Open(dir.Sub("store"));
  auto genotypes = GenotypeReader::Open(WriteGenotypes(dir, *store, "another"));
  EXPECT_THROW(GenotypeOverlay(*store, *genotypes, 1), Error);
}

}  // namespace
}  // namespace getps
