// BGZF parts: a BGZF file cut at block boundaries into parts that threads
// read side by side. Each part hands out the whole lines that start in it,
// so together the parts hand out every line of the file exactly once (a
// line crossing into the next part belongs to the part where it starts).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

typedef struct BGZF BGZF;

namespace getps {

// The compressed offset of every block of the BGZF file `path`, read from
// the block headers (one 18-byte read per block), then the file's size.
// Empty when the file is not BGZF (plain text, plain gzip) or a header is
// not a BGZF block header: the caller then reads the file in one piece.
std::vector<std::int64_t> BgzfBlockOffsets(const std::string& path);

// Splits the blocks of `offsets` (as above) into at most `parts` ranges of
// block indices [first, last) of about equal compressed size, in order.
std::vector<std::pair<std::size_t, std::size_t>> SplitBlocks(
    const std::vector<std::int64_t>& offsets, int parts);

// Reads the lines that start in blocks [first, last) of `offsets`, each
// without its newline or a trailing '\r'. Not thread-safe: one per thread.
// `offsets` must outlive it. Throws Error(kIOError) when the file cannot be
// opened and Error(kCorruption) naming it for a damaged block.
class BgzfPartReader {
 public:
  BgzfPartReader(const std::string& path, const std::vector<std::int64_t>& offsets,
                 std::size_t first, std::size_t last);
  ~BgzfPartReader();
  BgzfPartReader(const BgzfPartReader&) = delete;
  BgzfPartReader& operator=(const BgzfPartReader&) = delete;

  // The next line of the part; false after its last. The view lives until
  // the next call.
  bool Next(std::string_view* line);

 private:
  static constexpr std::size_t kEnd = static_cast<std::size_t>(-1);
  void Seek(std::size_t block);
  // Decompresses the next block holding data into data_ and returns its
  // index; kEnd at the end of the file.
  std::size_t ReadBlock();

  std::string path_;
  BGZF* file_ = nullptr;
  const std::vector<std::int64_t>& offsets_;
  std::size_t last_;
  const char* data_ = nullptr;  // the block being read: [pos_, size_) is left
  std::size_t size_ = 0, pos_ = 0;
  bool skipping_ = false;  // through the first newline: that line began earlier
  bool past_end_ = false;  // data_ lies after the part: only a line's rest is read
  bool done_ = false;
  std::string carry_;  // a line begun in an earlier block
  std::string line_;   // the last line handed out, when it crossed blocks
};

}  // namespace getps
