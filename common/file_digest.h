// FileDigest: a fast 64-bit digest of a file's bytes (FNV-1a over 8-byte
// little-endian words, then the tail bytes), to detect a truncated or
// damaged file, e.g. a checkpoint on resume. Not cryptographic.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace getps {

struct Digest {
  std::uint64_t bytes = 0;
  std::uint64_t hash = 0;
  std::string Hex() const;  // 16 lower-case hex digits of `hash`
};

// Throws Error(kIOError) naming the file when it cannot be read.
Digest FileDigest(const std::filesystem::path& path);

}  // namespace getps
