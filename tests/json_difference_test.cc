#include "common/json_difference.h"

#include <gtest/gtest.h>

namespace getps {
namespace {

TEST(FirstDifference, NamesTheFirstDifferingKeyAndBothValues) {
  const nlohmann::json a{{"method", "grad"}, {"tasks", 4}}, b{{"method", "grad"}, {"tasks", 5}};
  EXPECT_FALSE(FirstDifference(a, a));
  const auto d = FirstDifference(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->key, "tasks");
  EXPECT_EQ(Shown(d->mine), "4");
  EXPECT_EQ(Shown(d->theirs), "5");
}

TEST(FirstDifference, AKeyOnOneSideOnlyIsADifferenceUnlessIgnored) {
  const nlohmann::json a{{"store", "/a"}}, b{{"store", "/b"}, {"extra", true}};
  const auto d = FirstDifference(a, b, {"store"});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->key, "extra");
  EXPECT_EQ(Shown(d->mine), "absent");
  EXPECT_FALSE(FirstDifference(a, b, {"store", "extra"}));
  EXPECT_EQ(FirstDifference(b, a, {"store"})->key, "extra");
}

}  // namespace
}  // namespace getps
