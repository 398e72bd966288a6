#include "common/fp16.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <cmath>
#include <cstring>
#include <vector>

namespace getps {
namespace {

std::uint32_t Bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

TEST(Fp16, KnownValues) {
  EXPECT_EQ(FloatToHalf(0.0f), 0x0000);
  EXPECT_EQ(FloatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(FloatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7c00);            // rounds to infinity
  EXPECT_EQ(FloatToHalf(5.9604645e-8f), 0x0001);       // smallest subnormal
  EXPECT_EQ(FloatToHalf(2.9802322e-8f), 0x0000);       // half of it: ties to even (0)
  EXPECT_EQ(FloatToHalf(1.0f + 1.0f / 2048), 0x3c00);  // tie, even stays
  EXPECT_EQ(FloatToHalf(1.0f + 3.0f / 2048), 0x3c02);  // tie, rounds up to even
  EXPECT_EQ(FloatToHalf(INFINITY), 0x7c00);
  EXPECT_TRUE((FloatToHalf(NAN) & 0x7c00) == 0x7c00 && (FloatToHalf(NAN) & 0x3ff) != 0);
  EXPECT_EQ(HalfToFloat(0x3555), 0.333251953125f);
  EXPECT_EQ(HalfToFloat(0x0001), 5.9604645e-8f);
}

TEST(Fp16, EveryHalfRoundTripsExactly) {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    float f = HalfToFloat(static_cast<std::uint16_t>(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(FloatToHalf(f), h) << "half 0x" << std::hex << h;
  }
}

TEST(Fp16, BulkConversionMatchesScalarBitForBit) {
  std::vector<std::uint16_t> all(65536 + 3);  // odd length exercises the tail
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint16_t>(i);
  std::vector<float> bulk(all.size());
  HalfToFloatN(all.data(), bulk.data(), all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    float s = HalfToFloat(all[i]);
    if (std::isnan(s)) {
      ASSERT_TRUE(std::isnan(bulk[i]));
    } else {
      ASSERT_EQ(Bits(bulk[i]), Bits(s)) << i;
    }
  }
}

TEST(Fp16, ScaledClippedDividesAndClipsAtOne) {
  std::vector<std::uint16_t> in;
  std::vector<float> scale;
  for (int i = 0; i < 19; ++i) {
    in.push_back(FloatToHalf(static_cast<float>(i)));
    scale.push_back(0.1f);
  }
  std::vector<float> out(in.size());
  HalfToFloatScaledClippedN(in.data(), scale.data(), out.data(), in.size());
  for (int i = 0; i < 19; ++i) EXPECT_FLOAT_EQ(out[i], std::min(i * 0.1f, 1.0f)) << i;
  EXPECT_EQ(out[18], 1.0f);
}

}  // namespace
}  // namespace getps
