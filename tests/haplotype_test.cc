#include "featurizer/haplotype.h"

#include <gtest/gtest.h>
#include <cstdint>

namespace getps {
namespace {

// The region's sequence with `edits` applied, and what became of each.
std::string Apply(std::string_view ref, std::int64_t start, const std::vector<SequenceEdit>& edits,
                  std::vector<EditFit>* fits) {
  std::vector<const SequenceEdit*> views;
  for (const auto& e : edits) views.push_back(&e);
  return ApplyEdits(ref, start, views, fits);
}

TEST(EditOf, TrimsSharedBasesToTheChange) {
  const SequenceEdit snv = EditOf(10, "A", "g");
  EXPECT_EQ(snv.pos, 10);
  EXPECT_EQ(snv.ref_length, 1u);
  EXPECT_EQ(snv.alt, "g");
  const SequenceEdit ins = EditOf(99, "A", "ATT");
  EXPECT_EQ(ins.pos, 100);
  EXPECT_EQ(ins.ref_length, 0u);
  EXPECT_EQ(ins.alt, "TT");
  const SequenceEdit del = EditOf(99, "ACGT", "A");
  EXPECT_EQ(del.pos, 100);
  EXPECT_EQ(del.ref_length, 3u);
  EXPECT_EQ(del.alt, "");
  // A multi-allelic site's second allele shares a longer suffix.
  const SequenceEdit mnv = EditOf(5, "ACGT", "ATTT");
  EXPECT_EQ(mnv.pos, 6);
  EXPECT_EQ(mnv.ref_length, 2u);
  EXPECT_EQ(mnv.alt, "TT");
}

TEST(ApplyEdits, SubstitutesInsertsAndDeletes) {
  // Region [100, 110): ACGTACGTAC
  std::vector<EditFit> fits;
  const std::string ref = "ACGTACGTAC";
  EXPECT_EQ(Apply(ref, 100, {{101, 1, "T"}}, &fits), "ATGTACGTAC");
  EXPECT_EQ(Apply(ref, 100, {{104, 0, "GG"}}, &fits), "ACGTGGACGTAC");
  EXPECT_EQ(Apply(ref, 100, {{102, 3, ""}}, &fits), "ACCGTAC");
  EXPECT_EQ(Apply(ref, 100, {{100, 1, "G"}, {104, 0, "N"}, {109, 1, "A"}}, &fits), "GCGTNACGTAA");
  EXPECT_EQ(fits, std::vector<EditFit>(3, EditFit::kApplied));
}

TEST(ApplyEdits, ClipsDeletionsAndSkipsWhatReachesPastTheEnds) {
  std::vector<EditFit> fits;
  const std::string ref = "ACGTACGTAC";
  // A deletion of 98..101 removes the region's first two bases.
  EXPECT_EQ(Apply(ref, 100, {{98, 4, ""}}, &fits), "GTACGTAC");
  EXPECT_EQ(fits[0], EditFit::kApplied);
  EXPECT_EQ(Apply(ref, 100, {{108, 5, ""}}, &fits), "ACGTACGT");
  // A substitution across the start, an insertion at either end, an edit
  // beside the region: the region's bases stay.
  EXPECT_EQ(Apply(ref, 100, {{99, 2, "TT"}}, &fits), ref);
  EXPECT_EQ(fits[0], EditFit::kCrossesBoundary);
  EXPECT_EQ(Apply(ref, 100, {{100, 0, "T"}, {110, 0, "T"}, {120, 1, "A"}}, &fits), ref);
  EXPECT_EQ(fits, std::vector<EditFit>(3, EditFit::kOutside));
}

TEST(ApplyEdits, AnEditOverlappingAnAppliedOneIsSkipped) {
  std::vector<EditFit> fits;
  const std::string ref = "ACGTACGTAC";
  EXPECT_EQ(Apply(ref, 100, {{102, 3, ""}, {103, 1, "A"}, {105, 1, "T"}}, &fits), "ACTGTAC");
  EXPECT_EQ(fits, (std::vector<EditFit>{EditFit::kApplied, EditFit::kOverlapsEarlier,
                                        EditFit::kApplied}));
  // Two insertions at one place: the first wins; an SNV after an insertion
  // at its base is fine.
  EXPECT_EQ(Apply(ref, 100, {{104, 0, "G"}, {104, 0, "C"}, {104, 1, "T"}}, &fits), "ACGTGTCGTAC");
  EXPECT_EQ(fits, (std::vector<EditFit>{EditFit::kApplied, EditFit::kOverlapsEarlier,
                                        EditFit::kApplied}));
}

}  // namespace
}  // namespace getps
