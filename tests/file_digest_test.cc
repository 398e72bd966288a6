// FileDigest (common/file_digest.h): XXH3 of the whole file, whatever the
// read size; a change the legacy word-wise FNV-1a misses (bit 63 flipped in
// two consecutive words) changes it; a missing file is an I/O error.
#include "common/file_digest.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <fstream>
#include <string>

#include "common/error.h"
#include "tests/test_store.h"

namespace getps {
namespace {

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(FileDigest, IsXxh3OfTheBytesAndCatchesWhatTheLegacyDigestMissed) {
  testing_util::TempDir dir("digest");
  std::string bytes((3 << 20) + 5, '\0');  // several reads and a tail
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 131 + 7);
  Write(dir.Sub("a"), bytes);
  const Digest d = FileDigest(dir.Sub("a"));
  EXPECT_EQ(d.bytes, bytes.size());
  EXPECT_EQ(d.hash, XXH3_64bits(bytes.data(), bytes.size()));
  EXPECT_EQ(d.Hex().size(), 16u);
  // The top bit of two consecutive 8-byte words: FNV-1a's two changes cancel.
  std::string flipped = bytes;
  flipped[7] = static_cast<char>(flipped[7] ^ 0x80);
  flipped[15] = static_cast<char>(flipped[15] ^ 0x80);
  Write(dir.Sub("b"), flipped);
  EXPECT_EQ(FileDigest(dir.Sub("b"), DigestKind::kLegacyFnv).hash,
            FileDigest(dir.Sub("a"), DigestKind::kLegacyFnv).hash);
  EXPECT_NE(FileDigest(dir.Sub("b")).hash, d.hash);
  try {
    FileDigest(dir.Sub("missing"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIOError);
  }
}

TEST(TextDigest, IsXxh3OfTheBytesAndFixed) {
  const std::string id = "IND0001";
  EXPECT_EQ(TextDigest(id), XXH3_64bits(id.data(), id.size()));
  // A published constant: XXH3-64 of the empty input (seed 0).
  EXPECT_EQ(TextDigest(""), 0x2d06800538d394c2ULL);
  EXPECT_NE(TextDigest("IND0001"), TextDigest("IND0002"));
}

}  // namespace
}  // namespace getps
