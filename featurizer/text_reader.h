// TextReader: line-by-line reading of a text file that may be plain,
// gzip or BGZF compressed (htslib's hFILE/BGZF layer detects which), with the
// current line number for error messages. A truncated or damaged compressed
// stream is an Error(kCorruption) naming the file and line, never a silent
// end of file, and its cut last line is never handed out (a line is read
// ahead before the one before it is returned).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace getps {

class TextReader {
 public:
  // Throws Error: kNotFound when there is no such file, kInvalidArgument
  // for a directory, kIOError when it cannot be opened. `threads` counts
  // the calling thread: with threads > 1, a BGZF file is decompressed by
  // threads - 1 threads of htslib's pool while the caller reads lines (they
  // still come in order); other files by the calling thread.
  explicit TextReader(const std::string& path, int threads = 0);
  ~TextReader();
  TextReader(const TextReader&) = delete;
  TextReader& operator=(const TextReader&) = delete;

  // Reads the next line (without its newline or a trailing '\r') into
  // `line`; false at the end of the file.
  bool Next(std::string_view* line);

  const std::string& path() const { return path_; }
  std::size_t line_number() const { return line_number_; }
  // "path:line: " for error messages.
  std::string Where() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  std::size_t line_number_ = 0;
};

// Splits `line` at `sep` into at most `max_fields` fields (the last keeps the
// rest); returns how many were written to `out`.
std::size_t SplitFields(std::string_view line, char sep, std::string_view* out,
                        std::size_t max_fields);

}  // namespace getps
