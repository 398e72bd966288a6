// IEEE 754 binary16 <-> binary32 conversion. Scalar functions are exact
// (round-to-nearest-even on narrowing, NaN and infinity preserved); the bulk
// widening function uses the CPU's F16C instructions when present, chosen once
// at run time, and gives bit-identical results either way.
#pragma once

#include <cstddef>
#include <cstdint>

namespace getps {

std::uint16_t FloatToHalf(float value);
float HalfToFloat(std::uint16_t half);

// out[i] = HalfToFloat(in[i]) for i < n.
void HalfToFloatN(const std::uint16_t* in, float* out, std::size_t n);

// out[i] = min(HalfToFloat(in[i]) * scale[i], 1.0f) for i < n: the motif
// column normalisation of the feature store (scale = 1 / per-motif maximum).
void HalfToFloatScaledClippedN(const std::uint16_t* in, const float* scale, float* out,
                               std::size_t n);

}  // namespace getps
