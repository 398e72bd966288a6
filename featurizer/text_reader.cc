#include "featurizer/text_reader.h"

#include <htslib/bgzf.h>
#include <htslib/hts.h>

#include <cstring>
#include <filesystem>

#include "common/error.h"

namespace getps {

// Reads the file in large chunks through htslib's BGZF layer (which also
// reads plain and gzip files) and hands out lines as views into the chunk.
// A line is handed out only once its newline was read, or at a clean end of
// file: the cut last line of a truncated stream is never handed out, since
// the damage is reported by the read that would have completed it.
struct TextReader::Impl {
  // One read takes at most a BGZF block's worth, so a damaged block loses
  // little: the error names the line after the last one handed out.
  static constexpr std::size_t kRead = 1 << 16;
  BGZF* file = nullptr;
  // Left uninitialised (a zeroed buffer cost more than parsing a small file).
  std::unique_ptr<char[]> buffer{new char[4 * kRead]};
  std::size_t capacity = 4 * kRead;
  std::size_t begin = 0, end = 0;  // buffer[begin, end): not yet handed out
  bool at_eof = false;
  ~Impl() {
    if (file) bgzf_close(file);
  }
  // Appends up to kRead bytes, first moving what is left to the front (and
  // growing the buffer when a line fills it); false on a read error.
  bool Refill() {
    if (capacity - end < kRead) {
      std::memmove(buffer.get(), buffer.get() + begin, end - begin);
      end -= begin;
      begin = 0;
      if (capacity - end < kRead) {  // one line fills the buffer: double it
        std::unique_ptr<char[]> bigger{new char[2 * capacity]};
        std::memcpy(bigger.get(), buffer.get(), end);
        buffer = std::move(bigger);
        capacity *= 2;
      }
    }
    const ssize_t n = bgzf_read(file, buffer.get() + end, kRead);
    if (n < 0) return false;
    if (n == 0) at_eof = true;
    end += static_cast<std::size_t>(n);
    return true;
  }
};

TextReader::TextReader(const std::string& path, int threads)
    : impl_(std::make_unique<Impl>()), path_(path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw Error(ErrorCode::kNotFound, path + " does not exist");
  if (std::filesystem::is_directory(path, ec))
    throw Error(ErrorCode::kInvalidArgument, path + " is a directory, not a file");
  impl_->file = bgzf_open(path.c_str(), "r");
  if (!impl_->file) throw Error(ErrorCode::kIOError, "cannot open " + path);
  if (threads > 1 && bgzf_compression(impl_->file) == bgzf &&
      bgzf_mt(impl_->file, threads - 1, 256) != 0)
    throw Error(ErrorCode::kIOError,
                "cannot start " + std::to_string(threads) + " decompression threads for " + path);
}

TextReader::~TextReader() = default;

bool TextReader::Next(std::string_view* line) {
  Impl& r = *impl_;
  const char* nl = nullptr;
  while (!(nl = static_cast<const char*>(
               std::memchr(r.buffer.get() + r.begin, '\n', r.end - r.begin)))) {
    if (r.at_eof) break;
    if (!r.Refill())
      throw Error(ErrorCode::kCorruption,
                  path_ + ":" + std::to_string(line_number_ + 1) +
                      ": the file ends early or is damaged (a truncated or corrupt compressed "
                      "stream)");
  }
  if (!nl && r.begin == r.end) return false;  // a clean end of file
  const char* first = r.buffer.get() + r.begin;
  std::size_t n = nl ? static_cast<std::size_t>(nl - first) : r.end - r.begin;
  r.begin += nl ? n + 1 : n;
  ++line_number_;
  if (n && first[n - 1] == '\r') --n;
  *line = std::string_view(first, n);
  return true;
}

std::string TextReader::Where() const { return path_ + ":" + std::to_string(line_number_) + ": "; }

std::size_t SplitFields(std::string_view line, char sep, std::string_view* out,
                        std::size_t max_fields) {
  std::size_t n = 0;
  while (n + 1 < max_fields) {
    auto pos = line.find(sep);
    if (pos == std::string_view::npos) break;
    out[n++] = line.substr(0, pos);
    line = line.substr(pos + 1);
  }
  out[n++] = line;
  return n;
}

}  // namespace getps
