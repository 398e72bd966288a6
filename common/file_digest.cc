#include "common/file_digest.h"

#include <xxhash.h>
#include <cstdint>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
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

// Read with POSIX calls, not a stream: a stream ends at a read error as
// at the end of the file, and a file that cannot be read would pass for a
// truncated one (see CheckpointManager::NewestValid).
Digest FileDigest(const std::filesystem::path& path, DigestKind kind) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw Error(ErrorCode::kIOError, "cannot read " + path.string() + ": " + std::strerror(errno));
  const std::unique_ptr<int, void (*)(int*)> closer(new int(fd), [](int* f) {
    ::close(*f);
    delete f;
  });
  const std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> xxh3(XXH3_createState(),
                                                                             XXH3_freeState);
  if (!xxh3 || XXH3_64bits_reset(xxh3.get()) != XXH_OK)
    throw Error(ErrorCode::kInternal, "XXH3: cannot make a hash state");
  LegacyFnv fnv;
  Digest d;
  std::vector<char> buffer(1 << 20);  // a multiple of 8: the legacy words stay aligned
  for (bool end = false; !end;) {
    std::size_t n = 0;  // the buffer is filled whole but at the end
    while (n < buffer.size()) {
      const ssize_t got = ::read(fd, buffer.data() + n, buffer.size() - n);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0)
        throw Error(ErrorCode::kIOError,
                    "error reading " + path.string() + ": " + std::strerror(errno));
      if (got == 0) {
        end = true;
        break;
      }
      n += static_cast<std::size_t>(got);
    }
    if (kind == DigestKind::kXxh3)
      XXH3_64bits_update(xxh3.get(), buffer.data(), n);
    else
      fnv.Update(buffer.data(), n);
    d.bytes += n;
  }
  d.hash = kind == DigestKind::kXxh3 ? XXH3_64bits_digest(xxh3.get()) : fnv.hash();
  return d;
}

std::uint64_t TextDigest(std::string_view text) { return XXH3_64bits(text.data(), text.size()); }

}  // namespace getps
