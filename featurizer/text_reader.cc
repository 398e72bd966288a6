#include "featurizer/text_reader.h"

#include <htslib/hts.h>
#include <htslib/kstring.h>

#include "common/error.h"

namespace getps {

struct TextReader::Impl {
  htsFile* file = nullptr;
  kstring_t buffer = {0, 0, nullptr};
  ~Impl() {
    if (file) hts_close(file);
    free(buffer.s);
  }
};

TextReader::TextReader(const std::string& path) : impl_(std::make_unique<Impl>()), path_(path) {
  impl_->file = hts_open(path.c_str(), "r");
  if (!impl_->file) throw Error(ErrorCode::kIOError, "cannot open " + path);
}

TextReader::~TextReader() = default;

bool TextReader::Next(std::string_view* line) {
  int rc = hts_getline(impl_->file, '\n', &impl_->buffer);
  if (rc == -1) return false;
  if (rc < -1) {
    throw Error(ErrorCode::kCorruption, path_ + ":" + std::to_string(line_number_ + 1) +
                                            ": read error (truncated or damaged compressed file?)");
  }
  ++line_number_;
  std::size_t n = impl_->buffer.l;
  if (n && impl_->buffer.s[n - 1] == '\r') --n;
  *line = std::string_view(impl_->buffer.s, n);
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
