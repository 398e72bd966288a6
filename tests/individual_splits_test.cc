#include "storage/individual_splits.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <set>

#include "common/error.h"
#include "common/file_digest.h"

namespace getps {
namespace {

std::vector<std::string> Cohort(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("IND" + std::to_string(1000 + i));
  return out;
}

TEST(IndividualSplits, FoldsPartitionTheCohortByTheIdsHashAlone) {
  const auto people = Cohort(200);
  std::multiset<std::uint16_t> seen;
  for (int k = 0; k < 5; ++k) {
    const auto split = SplitIndividuals(people, {{}, 5, k});
    EXPECT_EQ(split.train.size() + split.test.size(), people.size());
    EXPECT_GT(split.test.size(), 20u);  // about 40 each
    EXPECT_LT(split.test.size(), 60u);
    for (const auto i : split.test) {
      seen.insert(i);
      EXPECT_EQ(static_cast<int>(TextDigest(people[i]) % 5), k);
    }
  }
  EXPECT_EQ(seen.size(), people.size());  // every person held out exactly once
  EXPECT_EQ(std::set<std::uint16_t>(seen.begin(), seen.end()).size(), people.size());
  // A person's fold does not depend on who else is in the cohort.
  const std::vector<std::string> few{people[7], people[3]};
  EXPECT_EQ(IndividualFold(people[7], 5), IndividualFold(few[0], 5));
}

TEST(IndividualSplits, AListHoldsOutExactlyThose) {
  const auto people = Cohort(6);
  const auto split = SplitIndividuals(people, {{"IND1004", "IND1001"}, 0, 0});
  EXPECT_EQ(split.test, (std::vector<std::uint16_t>{1, 4}));
  EXPECT_EQ(split.train, (std::vector<std::uint16_t>{0, 2, 3, 5}));
}

TEST(IndividualSplits, RefusesWhatCannotSplit) {
  const auto people = Cohort(6);
  EXPECT_THROW(SplitIndividuals(people, {{"NOBODY"}, 0, 0}), Error);
  EXPECT_THROW(SplitIndividuals(people, {}), Error);                   // neither
  EXPECT_THROW(SplitIndividuals(people, {{"IND1001"}, 5, 0}), Error);  // both
  EXPECT_THROW(SplitIndividuals(people, {{}, 5, 5}), Error);           // fold out of range
  EXPECT_THROW(SplitIndividuals(people, {people, 0, 0}), Error);       // nobody left to train
}

}  // namespace
}  // namespace getps
