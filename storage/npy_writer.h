// NpyWriter: streams one array into a NumPy .npy file (format 1.0, C order)
// that numpy.load reads. The shape is fixed up front; Close() checks that
// exactly that many bytes were written, then renames the temporary file into
// place, so a failed export never leaves a truncated .npy behind.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace getps {

class NpyWriter {
 public:
  // `descr` is the NumPy dtype string: "<f4", "<u4", "<u1", "<i8".
  NpyWriter(std::string path, std::string descr, std::vector<std::uint64_t> shape);
  ~NpyWriter();  // abandons (removes) the temporary file unless Close() ran
  NpyWriter(const NpyWriter&) = delete;
  NpyWriter& operator=(const NpyWriter&) = delete;

  void Write(const void* data, std::size_t bytes);
  void Close();

 private:
  std::string path_, tmp_path_;
  std::FILE* file_ = nullptr;
  std::uint64_t expected_bytes_ = 0;
  std::uint64_t written_bytes_ = 0;
};

}  // namespace getps
