#include "featurizer/bgzf_parts.h"

#include <fcntl.h>
#include <htslib/bgzf.h>
#include <htslib/hfile.h>
#include <unistd.h>
#include <cstdint>

#include <algorithm>
#include <cstring>

#include "common/error.h"

namespace getps {

std::vector<std::int64_t> BgzfBlockOffsets(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return {};
  std::vector<std::int64_t> offsets;
  std::int64_t at = 0;
  unsigned char h[18];
  for (;;) {
    const ssize_t n = ::pread(fd, h, sizeof h, at);
    if (n == 0) break;  // the end, at a block boundary
    // The header htslib's reader requires: gzip, FEXTRA with one "BC"
    // subfield of two bytes holding the block's size minus one.
    if (n != sizeof h || h[0] != 31 || h[1] != 139 || h[2] != 8 || !(h[3] & 4) || h[10] != 6 ||
        h[11] != 0 || h[12] != 'B' || h[13] != 'C' || h[14] != 2 || h[15] != 0) {
      offsets.clear();
      break;
    }
    offsets.push_back(at);
    at += 1 + (h[16] | (h[17] << 8));
  }
  ::close(fd);
  if (!offsets.empty()) offsets.push_back(at);
  return offsets;
}

std::vector<std::pair<std::size_t, std::size_t>> SplitBlocks(
    const std::vector<std::int64_t>& offsets, int parts) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  if (offsets.size() < 2 || parts < 1) return out;
  const std::size_t blocks = offsets.size() - 1;
  const std::int64_t size = offsets.back();
  std::size_t first = 0;
  for (int k = 1; k <= parts && first < blocks; ++k) {
    std::size_t last = first + 1;
    const std::int64_t target = size / parts * k;
    while (last < blocks && (k == parts || offsets[last] < target)) ++last;
    out.emplace_back(first, last);
    first = last;
  }
  return out;
}

BgzfPartReader::BgzfPartReader(const std::string& path, const std::vector<std::int64_t>& offsets,
                               std::size_t first, std::size_t last)
    : path_(path), offsets_(offsets), last_(last) {
  file_ = bgzf_open(path.c_str(), "r");
  if (!file_) throw Error(ErrorCode::kIOError, "cannot open " + path);
  // A line starts the part when the data before it ends with a newline:
  // look at the last byte of the nearest earlier block that holds data
  // (reading an empty block gives the next one with data).
  for (std::size_t b = first; b-- > 0;) {
    Seek(b);
    if (ReadBlock() != b) continue;
    skipping_ = data_[size_ - 1] != '\n';
    break;
  }
  Seek(first);
}

BgzfPartReader::~BgzfPartReader() {
  if (file_) bgzf_close(file_);
}

void BgzfPartReader::Seek(std::size_t block) {
  if (bgzf_seek(file_, offsets_[block] << 16, SEEK_SET) < 0)
    throw Error(ErrorCode::kCorruption, path_ + ": cannot seek to BGZF block " +
                                            std::to_string(block) + " (a damaged file?)");
  data_ = nullptr;
  size_ = pos_ = 0;
}

std::size_t BgzfPartReader::ReadBlock() {
  const std::int64_t from = htell(file_->fp);
  if (bgzf_read_block(file_) != 0)
    throw Error(ErrorCode::kCorruption, path_ + ": the BGZF block at byte " + std::to_string(from) +
                                            " is damaged (a truncated or corrupt file)");
  if (file_->block_length == 0) return kEnd;  // htslib skips empty blocks: the end of the file
  // The block just read is the one ending where the file now stands.
  const auto after = std::lower_bound(offsets_.begin(), offsets_.end(), htell(file_->fp));
  if (after == offsets_.begin() || after == offsets_.end() || *after != htell(file_->fp))
    throw Error(ErrorCode::kCorruption, path_ + ": the BGZF block at byte " + std::to_string(from) +
                                            " does not end at a block boundary (a damaged file?)");
  const std::size_t block = static_cast<std::size_t>(after - offsets_.begin()) - 1;
  data_ = static_cast<const char*>(file_->uncompressed_block);
  size_ = static_cast<std::size_t>(file_->block_length);
  pos_ = 0;
  past_end_ = block >= last_;
  return block;
}

bool BgzfPartReader::Next(std::string_view* line) {
  while (!done_) {
    if (pos_ == size_) {
      if (ReadBlock() != kEnd) continue;
      done_ = true;  // the end of the file: a last line without a newline
      if (carry_.empty() || skipping_) return false;
      line_.swap(carry_);
      carry_.clear();
      *line = line_;
    } else {
      const char* at = data_ + pos_;
      const std::size_t left = size_ - pos_;
      const char* nl = static_cast<const char*>(std::memchr(at, '\n', left));
      if (skipping_) {
        skipping_ = nl == nullptr;
        pos_ = nl ? static_cast<std::size_t>(nl - data_) + 1 : size_;
        continue;
      }
      if (past_end_ && carry_.empty()) {  // the next line starts in the next part
        done_ = true;
        return false;
      }
      if (!nl) {
        carry_.append(at, left);
        pos_ = size_;
        continue;
      }
      pos_ = static_cast<std::size_t>(nl - data_) + 1;
      if (carry_.empty()) {
        *line = std::string_view(at, static_cast<std::size_t>(nl - at));
      } else {
        carry_.append(at, static_cast<std::size_t>(nl - at));
        line_.swap(carry_);
        carry_.clear();
        *line = line_;
      }
    }
    if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
    return true;
  }
  return false;
}

}  // namespace getps
