#include "storage/chromosome_order.h"

#include <cctype>
#include <cstdint>

namespace getps {
namespace {

std::string_view StripChr(std::string_view name) {
  if (name.size() > 3 && (name.substr(0, 3) == "chr" || name.substr(0, 3) == "Chr")) {
    return name.substr(3);
  }
  return name;
}

bool IsAllDigits(std::string_view s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Rank classes: 0 = numbered autosome, 1 = X, 2 = Y, 3 = anything else.
int RankClass(std::string_view stripped) {
  if (IsAllDigits(stripped)) return 0;
  if (stripped == "X") return 1;
  if (stripped == "Y") return 2;
  return 3;
}

// Natural string comparison: runs of digits compare by value.
int NaturalCompare(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = std::isdigit(static_cast<unsigned char>(a[i]));
    const bool db = std::isdigit(static_cast<unsigned char>(b[j]));
    if (da && db) {
      std::size_t i0 = i, j0 = j;
      while (i0 < a.size() && a[i0] == '0') ++i0;
      while (j0 < b.size() && b[j0] == '0') ++j0;
      std::size_t i1 = i0, j1 = j0;
      while (i1 < a.size() && std::isdigit(static_cast<unsigned char>(a[i1]))) ++i1;
      while (j1 < b.size() && std::isdigit(static_cast<unsigned char>(b[j1]))) ++j1;
      if (i1 - i0 != j1 - j0) return (i1 - i0) < (j1 - j0) ? -1 : 1;
      int c = a.substr(i0, i1 - i0).compare(b.substr(j0, j1 - j0));
      if (c != 0) return c < 0 ? -1 : 1;
      i = i1;
      j = j1;
    } else {
      if (a[i] != b[j])
        return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]) ? -1 : 1;
      ++i;
      ++j;
    }
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

}  // namespace

int CompareChromosomes(std::string_view a, std::string_view b) {
  std::string_view sa = StripChr(a), sb = StripChr(b);
  int ca = RankClass(sa), cb = RankClass(sb);
  if (ca != cb) return ca < cb ? -1 : 1;
  int c = NaturalCompare(sa, sb);
  if (c != 0) return c;
  // Same rank ("chr1" vs "1"): fall back to the full names for a total order.
  int full = a.compare(b);
  return full < 0 ? -1 : (full > 0 ? 1 : 0);
}

}  // namespace getps
