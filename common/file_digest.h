// FileDigest: a fast 64-bit digest of a file's bytes (XXH3, the hash RocksDB
// checksums its blocks with), to detect a truncated or damaged file, e.g. a
// checkpoint on resume. Not cryptographic.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace getps {

enum class DigestKind {
  kXxh3,       // checkpoints' meta.json since XXH3: "hash": "xxh3"
  kLegacyFnv,  // FNV-1a over 8-byte words, of checkpoints written before (no "hash");
               // weak (two flips of one bit position cancel out), read for old checkpoints only
};

struct Digest {
  std::uint64_t bytes = 0;
  std::uint64_t hash = 0;
  std::string Hex() const;  // 16 lower-case hex digits of `hash`
};

// XXH3 (64 bits, seed 0) of `text`'s bytes: the same on every host.
std::uint64_t TextDigest(std::string_view text);

// Throws Error(kIOError) naming the file when it cannot be read.
Digest FileDigest(const std::filesystem::path& path, DigestKind kind = DigestKind::kXxh3);

}  // namespace getps
