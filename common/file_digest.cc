#include "common/file_digest.h"

#include <xxhash.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "common/error.h"

namespace getps {
namespace {

// The pre-XXH3 digest, kept to verify checkpoints written before.
class LegacyFnv {
 public:
  void Update(const char* data, std::size_t n) {
    constexpr std::uint64_t kPrime = 1099511628211ull;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, data + i, 8);
      hash_ = (hash_ ^ word) * kPrime;
    }
    for (; i < n; ++i) hash_ = (hash_ ^ static_cast<unsigned char>(data[i])) * kPrime;
  }
  std::uint64_t hash() const { return hash_; }

 private:
  std::uint64_t hash_ = 14695981039346656037ull;
};

}  // namespace

std::string Digest::Hex() const {
  char s[17];
  std::snprintf(s, sizeof s, "%016llx", static_cast<unsigned long long>(hash));
  return s;
}

Digest FileDigest(const std::filesystem::path& path, DigestKind kind) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIOError, "cannot read " + path.string());
  const std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> xxh3(XXH3_createState(),
                                                                             XXH3_freeState);
  if (!xxh3 || XXH3_64bits_reset(xxh3.get()) != XXH_OK)
    throw Error(ErrorCode::kInternal, "XXH3: cannot make a hash state");
  LegacyFnv fnv;
  Digest d;
  std::vector<char> buffer(1 << 20);  // a multiple of 8: the legacy words stay aligned
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    if (kind == DigestKind::kXxh3)
      XXH3_64bits_update(xxh3.get(), buffer.data(), n);
    else
      fnv.Update(buffer.data(), n);
    d.bytes += n;
  }
  if (in.bad()) throw Error(ErrorCode::kIOError, "error reading " + path.string());
  d.hash = kind == DigestKind::kXxh3 ? XXH3_64bits_digest(xxh3.get()) : fnv.hash();
  return d;
}

}  // namespace getps
