#include "worker/commit_audit.h"

#include <cstdint>
#include <cstdio>

namespace getps {
namespace {

std::uint64_t Mix(std::uint64_t x) {  // splitmix64's finaliser
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

std::uint64_t WindowSetDigest(std::span<const Window> windows) {
  std::uint64_t sum = 0;
  for (const Window& w : windows) {
    const std::uint64_t key =
        Mix((std::uint64_t{w.celltype} << 48) | (std::uint64_t{w.chrom} << 32) | w.first);
    // A person's window differs from the reference's; the reference's digest
    // is what it was before windows had people.
    sum += w.individual == kReferenceIndividual ? key : Mix(key ^ (w.individual + 1ull));
  }
  return sum;
}

std::string DigestHex(std::uint64_t digest) {
  char s[17];
  std::snprintf(s, sizeof s, "%016llx", static_cast<unsigned long long>(digest));
  return s;
}

nlohmann::json CommitLine(const std::vector<Window>& order, int epoch, int generation,
                          std::size_t from, std::size_t to) {
  const std::span<const Window> all(order);
  return {{"epoch", epoch + 1},
          {"generation", generation},
          {"plan", order.size()},
          {"plan_digest", DigestHex(WindowSetDigest(all))},
          {"from", from},
          {"to", to},
          {"committed", to - from},
          {"digest", DigestHex(WindowSetDigest(all.subspan(from, to - from)))}};
}

}  // namespace getps
