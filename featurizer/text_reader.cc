#include "featurizer/text_reader.h"

#include <htslib/hts.h>
#include <htslib/kstring.h>

#include <filesystem>

#include "common/error.h"

namespace getps {

// Reads one line ahead: a truncated compressed stream hands out its last,
// cut line before it reports the damage, so a line is given to the caller
// only once the read after it succeeded (or reached a clean end of file).
struct TextReader::Impl {
  htsFile* file = nullptr;
  kstring_t line = {0, 0, nullptr};  // handed out by the last Next()
  kstring_t next = {0, 0, nullptr};  // read ahead
  int next_rc = 0;                   // hts_getline's result for `next`
  bool started = false;
  void ReadAhead() { next_rc = hts_getline(file, '\n', &next); }
  ~Impl() {
    if (file) hts_close(file);
    free(line.s);
    free(next.s);
  }
};

TextReader::TextReader(const std::string& path, int threads)
    : impl_(std::make_unique<Impl>()), path_(path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw Error(ErrorCode::kNotFound, path + " does not exist");
  if (std::filesystem::is_directory(path, ec))
    throw Error(ErrorCode::kInvalidArgument, path + " is a directory, not a file");
  impl_->file = hts_open(path.c_str(), "r");
  if (!impl_->file) throw Error(ErrorCode::kIOError, "cannot open " + path);
  if (threads > 1 && hts_get_format(impl_->file)->compression == bgzf &&
      hts_set_threads(impl_->file, threads) != 0)
    throw Error(ErrorCode::kIOError,
                "cannot start " + std::to_string(threads) + " decompression threads for " + path);
}

TextReader::~TextReader() = default;

bool TextReader::Next(std::string_view* line) {
  Impl& r = *impl_;
  if (!r.started) {
    r.ReadAhead();
    r.started = true;
  }
  if (r.next_rc == -1) return false;
  auto damaged = [&](std::size_t at) {
    return Error(ErrorCode::kCorruption,
                 path_ + ":" + std::to_string(at) +
                     ": the file ends early or is damaged (a truncated or corrupt compressed "
                     "stream)");
  };
  if (r.next_rc < -1) throw damaged(line_number_ + 1);
  std::swap(r.line, r.next);
  r.ReadAhead();
  ++line_number_;
  if (r.next_rc < -1) throw damaged(line_number_);  // this line may be cut
  std::size_t n = r.line.l;
  if (n && r.line.s[n - 1] == '\r') --n;
  *line = std::string_view(r.line.s, n);
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
