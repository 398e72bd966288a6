#include "common/file_digest.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

#include "common/error.h"

namespace getps {

std::string Digest::Hex() const {
  char s[17];
  std::snprintf(s, sizeof s, "%016llx", static_cast<unsigned long long>(hash));
  return s;
}

Digest FileDigest(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIOError, "cannot read " + path.string());
  constexpr std::uint64_t kPrime = 1099511628211ull;
  Digest d;
  d.hash = 14695981039346656037ull;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, buffer.data() + i, 8);
      d.hash = (d.hash ^ word) * kPrime;
    }
    for (; i < n; ++i) d.hash = (d.hash ^ static_cast<unsigned char>(buffer[i])) * kPrime;
    d.bytes += n;
  }
  if (in.bad()) throw Error(ErrorCode::kIOError, "error reading " + path.string());
  return d;
}

}  // namespace getps
