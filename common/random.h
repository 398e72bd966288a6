// Rng: a small, fast, portable 64-bit generator (SplitMix64). Unlike the
// standard library's distributions, every value it yields is specified here,
// so a seed gives the same shuffle and the same synthetic data on every
// platform and compiler.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace getps {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Uniform integer in [0, bound), bound > 0, without modulo bias (Lemire).
  std::uint64_t Below(std::uint64_t bound) {
    for (;;) {
      __extension__ using Wide = unsigned __int128;
      Wide m = static_cast<Wide>(Next()) * bound;
      auto low = static_cast<std::uint64_t>(m);
      if (low >= bound || low >= (-bound) % bound) return static_cast<std::uint64_t>(m >> 64);
    }
  }

  // Uniform double in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

// Fisher-Yates shuffle of `v` driven by `rng`: the same permutation for the
// same generator state on every platform.
template <typename T>
void Shuffle(std::vector<T>* v, Rng* rng) {
  for (std::size_t i = v->size(); i > 1; --i) std::swap((*v)[i - 1], (*v)[rng->Below(i)]);
}

// A Poisson draw of `mean` from `rng`: Knuth's method for means up to 30, a
// rounded normal approximation (Box-Muller, floored at 0) above.
inline double Poisson(Rng& rng, double mean) {
  if (mean > 30)
    return std::max(
        0.0, std::round(mean + std::sqrt(mean) * std::sqrt(-2 * std::log(rng.Uniform() + 1e-300)) *
                                   std::cos(2 * M_PI * rng.Uniform())));
  const double l = std::exp(-mean);
  double k = 0, p = 1;
  do {
    ++k;
    p *= rng.Uniform();
  } while (p > l);
  return k - 1;
}

// Mixes two 64-bit values into one seed (for "seed + epoch" streams).
inline std::uint64_t MixSeed(std::uint64_t a, std::uint64_t b) {
  Rng rng(a ^ (b * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL));
  return rng.Next();
}

}  // namespace getps
